package chat

import (
	"fmt"
	"testing"
)

// BenchmarkSend stores messages in a direct room through the store (one
// batch each: the message, the room, the time index and both members'
// state), as POST …/messages does.
func BenchmarkSend(b *testing.B) {
	e := newEnv(b, Config{MaxMessageBytes: 4096, RatePerMinute: 1 << 30, Burst: 1 << 30})
	room := e.direct(b, alice, bob)
	text := fmt.Sprintf("%0100d", 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: text}); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			e.pub.take()
		}
	}
}

// BenchmarkHistoryPage reads the newest page of 50 of a room of 10 000
// messages, and a search through all of them.
func BenchmarkHistoryPage(b *testing.B) {
	e := newEnv(b, Config{MaxMessageBytes: 4096, RatePerMinute: 1 << 30, Burst: 1 << 30})
	room := e.direct(b, alice, bob)
	for i := range 10_000 {
		e.send(b, alice, room, fmt.Sprintf("message %d of the history", i))
	}
	for _, bc := range []struct {
		name string
		q    Query
	}{
		{name: "newest", q: Query{Limit: 50}},
		{name: "search", q: Query{Limit: 50, Search: "9999 of"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := e.s.Messages(ctx, bob, room, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
