package calls

import (
	"context"
	"slices"
	"strconv"
	"testing"
)

// TestOutboxOrder: whatever order a call's tickets are filled in, their
// events reach the Publisher in ticket order; filling a ticket behind an
// open one publishes nothing and does not wait; every ticket is delivered
// once all are filled.
func TestOutboxOrder(t *testing.T) {
	tests := []struct {
		name string
		fill []int // ticket indexes, in the order they are filled
		// wantAfter[i] is how many tickets have been delivered once
		// fill[i] is filled.
		wantAfter []int
	}{
		{name: "in order", fill: []int{0, 1, 2}, wantAfter: []int{1, 2, 3}},
		{name: "reversed", fill: []int{2, 1, 0}, wantAfter: []int{0, 0, 3}},
		{name: "middle last", fill: []int{0, 2, 1}, wantAfter: []int{1, 1, 3}},
		{name: "first last", fill: []int{1, 2, 0}, wantAfter: []int{0, 0, 3}},
		{name: "one", fill: []int{0}, wantAfter: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			var o outbox
			tickets := make([]*ticket, len(tt.fill))
			for i := range tickets {
				tickets[i] = o.take(rec, nil)
			}
			for i, k := range tt.fill {
				c := Call{ID: "c", UserID: "u1"}
				tickets[k].publish(context.Background(), callEvent("e"+strconv.Itoa(k), c))
				if got := len(rec.types("c")); got != tt.wantAfter[i] {
					t.Errorf("after filling ticket %d: %d delivered, want %d", k, got, tt.wantAfter[i])
				}
			}
			want := make([]string, len(tt.fill))
			for k := range want {
				want[k] = "e" + strconv.Itoa(k)
			}
			if got := rec.types("c"); !slices.Equal(got, want) {
				t.Errorf("delivered %v, want %v", got, want)
			}
			if len(o.q) != 0 || o.busy {
				t.Errorf("outbox left with %d tickets, busy %v", len(o.q), o.busy)
			}
		})
	}
}

// TestOutboxEmptyTicket: a ticket filled with no events lets the next go.
func TestOutboxEmptyTicket(t *testing.T) {
	rec := newRecorder()
	var o outbox
	first, second := o.take(rec, nil), o.take(rec, nil)
	second.publish(context.Background(), callEvent(EventUpdated, Call{ID: "c"}))
	if n := len(rec.types("c")); n != 0 {
		t.Fatalf("%d delivered behind an open ticket", n)
	}
	first.publish(context.Background())
	if got := rec.types("c"); !slices.Equal(got, []string{EventUpdated}) {
		t.Errorf("delivered %v, want [%s]", got, EventUpdated)
	}
}

// panicky panics on its first event.
type panicky struct{ next *recorder }

func (p *panicky) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if typ == "boom" {
		panic("boom")
	}
	p.next.Publish(ctx, topic, typ, audience, data)
}

// TestOutboxPanic: a Publish that panics (recovered higher up, as
// net/http does) does not leave the call's later events waiting forever.
func TestOutboxPanic(t *testing.T) {
	rec := newRecorder()
	var o outbox
	p := &panicky{next: rec}
	first := o.take(p, nil)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		first.publish(context.Background(), callEvent("boom", Call{ID: "c"}))
	}()
	o.take(p, nil).publish(context.Background(), callEvent(EventUpdated, Call{ID: "c"}))
	if got := rec.types("c"); !slices.Equal(got, []string{EventUpdated}) {
		t.Errorf("delivered %v, want [%s]", got, EventUpdated)
	}
}

// BenchmarkPublishOrdered: a ticket taken and filled with two events,
// uncontended (the cost the order adds to each change), against
// publishing the two events directly.
func BenchmarkPublishOrdered(b *testing.B) {
	c := Call{ID: "c", UserID: "u1"}
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		e := &Engine{pub: NopPublisher{}} // through the interface, as the engine did
		p := e.pub
		for b.Loop() {
			p.Publish(ctx, TopicCalls, EventHeld, []string{c.UserID}, c)
			p.Publish(ctx, TopicCalls, EventUpdated, []string{c.UserID}, c)
		}
	})
	b.Run("ticket", func(b *testing.B) {
		b.ReportAllocs()
		var o outbox
		e := &Engine{pub: NopPublisher{}}
		for b.Loop() {
			o.take(e.pub, nil).publish(ctx, callEvent(EventHeld, c), callEvent(EventUpdated, c))
		}
	})
}
