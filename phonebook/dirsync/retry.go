package dirsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Retry sends HTTP requests, backing off on 429, 503 and 504 (honouring
// Retry-After in seconds or as an HTTP date) and on transport errors, with
// exponential back-off and full jitter otherwise.
type Retry struct {
	Client *http.Client
	Clock  Clock
	// Attempts is the total number of tries (default 6).
	Attempts int
	// Base and Max bound the exponential back-off (default 1 s, 5 min).
	Base, Max time.Duration
	// MaxRetryAfter is the longest Retry-After honoured inside a run
	// (default 10 min); a longer one fails the run.
	MaxRetryAfter time.Duration
}

// ErrThrottled is returned when the remote keeps throttling.
var ErrThrottled = errors.New("throttled by the remote")

// ThrottledError carries a Retry-After too long to wait inside a run; the
// scheduler does not retry before it.
type ThrottledError struct {
	RetryAfter time.Duration
	Err        error
}

// Error says the source throttled and how long it asked to wait.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v (Retry-After %s)", e.Err, e.RetryAfter)
}

// Unwrap returns the error the source answered with.
func (e *ThrottledError) Unwrap() error { return e.Err }

// Do sends the request newReq builds (called again for each try) and returns
// the first response that is not a throttling answer. The caller closes it.
func (r Retry) Do(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error)) (*http.Response, error) {
	attempts, base, maxB, maxRA := r.Attempts, r.Base, r.Max, r.MaxRetryAfter
	if attempts <= 0 {
		attempts = 6
	}
	if base <= 0 {
		base = time.Second
	}
	if maxB <= 0 {
		maxB = 5 * time.Minute
	}
	if maxRA <= 0 {
		maxRA = 10 * time.Minute
	}
	clk := r.Clock
	if clk == nil {
		clk = RealClock{}
	}
	var lastErr error
	for i := 0; i < attempts; i++ {
		req, err := newReq(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := r.Client.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, redact(err) // wraps ctx.Err(), names the host
			}
			lastErr = redact(err)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable ||
			resp.StatusCode == http.StatusGatewayTimeout:
			ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), clk.Now())
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			lastErr = fmt.Errorf("%w: HTTP %d from %s", ErrThrottled, resp.StatusCode, req.URL.Host)
			if ok {
				if ra > maxRA {
					return nil, &ThrottledError{RetryAfter: ra, Err: lastErr}
				}
				wait = ra
			}
		default:
			return resp, nil
		}
		if i == attempts-1 {
			break
		}
		if wait == 0 {
			ceil := min(base<<i, maxB)
			wait = time.Duration(rand.Int64N(int64(ceil)) + 1)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (after: %w)", ctx.Err(), lastErr)
		case <-clk.After(wait):
		}
	}
	return nil, fmt.Errorf("after %d tries: %w", attempts, lastErr)
}

// ParseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	return max(0, min(d, 24*time.Hour)), true
}

// redact drops the query string (tokens may live there) from a transport
// error's URL, so that run errors can be logged and shown.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User, u.Fragment = "", nil, ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}
