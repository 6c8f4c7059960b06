package manager

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// answered is an answered call of room of secs seconds, placed at t0.
func answered(id, room, number string, secs int) hotel.CallRecord {
	ans := t0.Add(5 * time.Second)
	return hotel.CallRecord{CallID: id, Room: room, Number: number, Start: t0, Answered: &ans, Duration: time.Duration(secs) * time.Second}
}

func TestCallEnded(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.room("102")
	r.checkIn("101", "Anna")
	noAnswer := answered("c4", "101", "0612", 0)
	noAnswer.Answered = nil
	for _, tc := range []struct {
		name   string
		call   hotel.CallRecord
		lines  int
		total  hotel.Money
		posted int
	}{
		{name: "an external call is costed and posted", call: answered("c1", "101", "0612345678", 61), lines: 1, total: 2000, posted: 1},
		{name: "the same call again is ignored", call: answered("c1", "101", "0612345678", 61), lines: 1, total: 2000, posted: 1},
		{name: "an internal call is not billed", call: answered("c2", "101", "102", 300), lines: 1, total: 2000, posted: 1},
		{name: "an emergency call costs what the rates say", call: answered("c3", "101", "112", 10), lines: 2, total: 3000, posted: 2},
		{name: "an unanswered call is not billed", call: noAnswer, lines: 2, total: 3000, posted: 2},
		{name: "a vacant room has no bill", call: answered("c5", "102", "0612", 10), lines: 2, total: 3000, posted: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.m.CallEnded(ctx, tc.call)
			b, _ := r.m.Bill(ctx, "101")
			if len(b.Lines) != tc.lines || b.Total != tc.total || len(r.pms.posts) != tc.posted {
				t.Fatalf("bill %d lines, total %s, %d posted; want %d, %s, %d", len(b.Lines), b.Total, len(r.pms.posts), tc.lines, tc.total, tc.posted)
			}
		})
	}
	b, _ := r.m.Bill(ctx, "101")
	if l := b.Lines[0]; l.Posting != 100 || l.Posted || l.Class != hotel.ClassNational || l.Seconds != 61 || b.Currency != "EUR" {
		t.Fatalf("first line %+v", l)
	}
	if err := r.m.ChargePosted(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if b, _ := r.m.Bill(ctx, "101"); !b.Lines[0].Posted || b.Lines[1].Posted {
		t.Fatalf("after PA 100: %+v", b.Lines)
	}
	// A PA that comes before Post returns is kept for its line.
	r.pms.onPost = func(seq int) { _ = r.m.ChargePosted(ctx, seq) }
	r.m.CallEnded(ctx, answered("c6", "101", "0044207", 1))
	if b, _ := r.m.Bill(ctx, "101"); !b.Lines[2].Posted || b.Lines[2].Posting != 102 {
		t.Fatalf("early PA: %+v", b.Lines[2])
	}
	// A PA after check-out marks the closed bill.
	r.pms.onPost = nil
	r.m.CallEnded(ctx, answered("c7", "101", "0044207", 1))
	_, closed, err := r.m.CheckOut(ctx, "101", api)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.m.ChargePosted(ctx, 103); err != nil {
		t.Fatal(err)
	}
	if b, ok := r.m.BillByID(ctx, closed.ID); !ok || !b.Lines[3].Posted || b.ClosedAt == nil {
		t.Fatalf("closed bill after PA: %+v", b)
	}
	if n := len(r.hub.Of(hotel.EventCharge)); n != 4 {
		t.Errorf("%d call_charged events, want 4", n)
	}
}

func TestPutRatesValidation(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	good := hotel.RateTable{ID: "default", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0044", PerMinute: 2500}, {Prefix: "0", PerMinute: 500, Increment: 30}}}
	if err := r.m.PutRates(ctx, []hotel.RateTable{good}); err != nil {
		t.Fatal(err)
	}
	bad := func(f func(*hotel.RateTable)) []hotel.RateTable {
		t2 := good
		t2.Rates = append([]hotel.Rate(nil), good.Rates...)
		f(&t2)
		return []hotel.RateTable{{ID: "other", Currency: "CHF"}, t2}
	}
	for _, tc := range []struct {
		name   string
		tables []hotel.RateTable
		field  string
	}{
		{name: "bad id", tables: bad(func(t *hotel.RateTable) { t.ID = "Default!" }), field: "tables[1].id"},
		{name: "same id twice", tables: bad(func(t *hotel.RateTable) { t.ID = "other" }), field: "tables[1].id"},
		{name: "bad currency", tables: bad(func(t *hotel.RateTable) { t.Currency = "euro" }), field: "tables[1].currency"},
		{name: "bad class", tables: bad(func(t *hotel.RateTable) { t.Class = "galactic" }), field: "tables[1].class"},
		{name: "bad prefix", tables: bad(func(t *hotel.RateTable) { t.Rates[1].Prefix = "+44" }), field: "tables[1].rates[1].prefix"},
		{name: "same prefix twice", tables: bad(func(t *hotel.RateTable) { t.Rates[1].Prefix = "0044" }), field: "tables[1].rates[1].prefix"},
		{name: "negative price", tables: bad(func(t *hotel.RateTable) { t.Rates[0].PerMinute = -1 }), field: "tables[1].rates[0].per_minute"},
		{name: "increment too long", tables: bad(func(t *hotel.RateTable) { t.Rates[0].Increment = 7200 }), field: "tables[1].rates[0].increment"},
		{name: "weight too high", tables: bad(func(t *hotel.RateTable) { t.Rates[0].Weight = 101 }), field: "tables[1].rates[0].weight"},
		{name: "negative surcharge", tables: bad(func(t *hotel.RateTable) { t.Rates[0].Surcharge = -5 }), field: "tables[1].rates[0].surcharge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantField(t, r.m.PutRates(ctx, tc.tables), http.StatusBadRequest, tc.field)
			if got := r.m.Rates(ctx); len(got) != 1 || got[0].ID != "default" {
				t.Fatalf("a refused PUT changed the rates: %+v", got)
			}
		})
	}
	t.Run("every fault is a detail", func(t *testing.T) {
		tables := bad(func(t *hotel.RateTable) { t.Currency = "euro"; t.Rates[0].Weight = 101; t.Rates[1].Prefix = "+44" })
		var ae *platform.APIError
		if !errors.As(r.m.PutRates(ctx, tables), &ae) || ae.Status != http.StatusBadRequest {
			t.Fatalf("err = %v, want a 400 APIError", ae)
		}
		var got []string
		for _, d := range ae.Details {
			got = append(got, d.Field)
		}
		want := []string{"tables[1].currency", "tables[1].rates[0].weight", "tables[1].rates[1].prefix"}
		if !slices.Equal(got, want) {
			t.Fatalf("details name %v, want %v", got, want)
		}
	})
}

// TestConcurrentAcknowledgements: acknowledgements of two postings of one
// closed bill, at once, both stay.
func TestConcurrentAcknowledgements(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.room("101")
	r.checkIn("101", "Anna")
	r.m.CallEnded(ctx, answered("c1", "101", "0612345", 30))
	r.m.CallEnded(ctx, answered("c2", "101", "0698765", 30))
	_, bill, err := r.m.CheckOut(ctx, "101", api)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, seq := range []int{100, 101} {
		go func() { done <- r.m.ChargePosted(ctx, seq) }()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	b, _ := r.m.BillByID(ctx, bill.ID)
	if !b.Lines[0].Posted || !b.Lines[1].Posted {
		t.Fatalf("lines %+v: want both posted", b.Lines)
	}
}
