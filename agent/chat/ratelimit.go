package chat

import (
	"math"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// limiter is a token bucket per user: rate tokens a second, up to burst.
type limiter struct {
	clk   clock.Clock
	rate  float64
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(clk clock.Clock, rate float64, burst int) *limiter {
	return &limiter{clk: clk, rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take takes one token of user's bucket; when there is none it returns
// how long until there is one, and false.
func (l *limiter) take(user string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	b, ok := l.buckets[user]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[user] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
	return wait, false
}
