package agent

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// wakeSink records the wake-up results the telephony reports.
type wakeSink struct {
	hotel.Sink
	mu   sync.Mutex
	got  []string
	wake chan struct{}
}

func (s *wakeSink) WakeUpResult(_ context.Context, id string, attempt int, o hotel.WakeOutcome, snooze time.Duration) {
	s.mu.Lock()
	s.got = append(s.got, id+"/"+string(o)+"/"+snooze.String())
	s.mu.Unlock()
	s.wake <- struct{}{}
}

// telephonyRig is the hotel's telephony on a calls engine on the ARI
// stand-in, both on a virtual clock.
type telephonyRig struct {
	srv  *fakeari.Server
	clk  *clock.Virtual
	tel  *hotelTelephony
	sink *wakeSink
}

func newTelephonyRig(t *testing.T) *telephonyRig {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk),
		fakeari.WithPeer("PJSIP/601", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/602", fakeari.Fixed{Outcome: fakeari.Busy, Ring: time.Second}),
		fakeari.WithPeer("PJSIP/603", fakeari.Fixed{Outcome: fakeari.Wait}))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := ari.New(url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps("pbxagent-calls"), ari.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	eng := calls.New(conn, "pbxagent-calls", calls.WithClock(clk), calls.WithLogger(log))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(ctx) }()
	if err := conn.Start(); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := conn.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	st := hotel.DefaultSettings()
	st.Location = time.UTC
	st.WakeUp.RingTimeout = 30 * time.Second
	d := &Daemon{callsEng: eng, ari: conn}
	tel := newHotelTelephony(d, st, log)
	sink := &wakeSink{wake: make(chan struct{}, 4)}
	tel.sink = sink
	t.Cleanup(func() { tel.Close(); cancel(); <-done; conn.Close() })
	return &telephonyRig{srv: srv, clk: clk, tel: tel, sink: sink}
}

// drive moves the clock a second at a time until the sink hears of a
// result (at most 5 minutes' worth).
func (r *telephonyRig) drive(t *testing.T) string {
	t.Helper()
	for range 300 {
		select {
		case <-r.sink.wake:
			r.sink.mu.Lock()
			defer r.sink.mu.Unlock()
			return r.sink.got[len(r.sink.got)-1]
		case <-time.After(20 * time.Millisecond):
			r.clk.Advance(time.Second)
		}
	}
	t.Fatal("no wake-up result")
	return ""
}

func TestWakeUpCallOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		devices []string
		pickUp  bool
		key     string
		want    string
	}{
		{name: "answered", devices: []string{"PJSIP/601"}, pickUp: true, want: "w1/answered/0s"},
		{name: "snoozed with 1", devices: []string{"PJSIP/601"}, pickUp: true, key: "1", want: "w1/snoozed/5m0s"},
		{name: "no answer", devices: []string{"PJSIP/603"}, want: "w1/noanswer/0s"},
		{name: "busy", devices: []string{"PJSIP/602"}, want: "w1/busy/0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTelephonyRig(t)
			w := hotel.WakeUp{ID: "w1", Room: "101", At: time.Date(2026, 12, 8, 7, 30, 0, 0, time.UTC)}
			room := hotel.Room{Number: "101", Extensions: []string{"101"}, Devices: tt.devices}
			if err := r.tel.WakeUpCall(context.Background(), w, room, 1, "it"); err != nil {
				t.Fatal(err)
			}
			leg := "pbxwake-w1-1-ann1"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := r.srv.AwaitChannel(ctx, leg, func(fakeari.ChannelSnapshot) bool { return true }); err != nil {
				t.Fatal(err)
			}
			r.clk.Advance(0)
			s, err := r.srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == ari.StateRinging || s.Destroyed })
			if err != nil {
				t.Fatal(err)
			}
			if s.Caller.Name != "Wake-up" || s.Caller.Number != "*44" || s.Variables["PBXAGENT_WAKEUP"] != "w1" {
				t.Errorf("the wake-up call shows %+v, variables %v", s.Caller, s.Variables)
			}
			if tt.pickUp {
				if err := r.srv.PickUp(leg); err != nil {
					t.Fatal(err)
				}
				if tt.key != "" {
					if _, err := r.srv.AwaitChannel(ctx, leg, func(s fakeari.ChannelSnapshot) bool { return s.State == ari.StateUp }); err != nil {
						t.Fatal(err)
					}
					if err := r.srv.PressDTMF(leg, tt.key, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := r.drive(t); got != tt.want {
				t.Errorf("result %s, want %s", got, tt.want)
			}
		})
	}
}

func TestWakeUpPrompt(t *testing.T) {
	tel := &hotelTelephony{st: hotel.DefaultSettings(), sounds: defaultHotelSounds}
	tel.st.Location = time.FixedZone("CET", 3600)
	tests := []struct {
		name   string
		at     time.Time
		snooze time.Duration
		want   []string
	}{
		{name: "07:30 local, snooze 5", at: time.Date(2026, 12, 8, 6, 30, 0, 0, time.UTC), snooze: 5 * time.Minute,
			want: []string{"sound:this-is-yr-wakeup-call", "number:7", "number:30", "sound:to-snooze-for", "number:5", "sound:minutes", "sound:press-1"}},
		{name: "07:00, no snooze", at: time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC),
			want: []string{"sound:this-is-yr-wakeup-call", "number:7", "sound:digits/oclock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel.st.WakeUp.Snooze = tt.snooze
			if got := tel.wakeUpMedia(tt.at); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyRoomOnAsterisk(t *testing.T) {
	tests := []struct {
		name     string
		room     hotel.Room
		offline  []hotel.Class
		classes  string
		lamp     string
		presence string
		msgs     int
	}{
		{name: "occupied, DND, a message", room: hotel.Room{Number: "101", Extensions: []string{"101", "1011"}, Occupancy: hotel.Occupied, DND: true, MessageLight: true},
			offline: []hotel.Class{hotel.ClassInternal, hotel.ClassLocal}, classes: "internal,local", lamp: "BUSY", presence: "dnd", msgs: 1},
		{name: "vacant", room: hotel.Room{Number: "101", Extensions: []string{"101", "1011"}, Occupancy: hotel.Vacant},
			offline: []hotel.Class{hotel.ClassInternal, hotel.ClassLocal}, classes: "internal", lamp: "NOT_INUSE", presence: "available"},
		{name: "occupied, nothing offline", room: hotel.Room{Number: "101", Extensions: []string{"101", "1011"}, Occupancy: hotel.Occupied},
			classes: "emergency", lamp: "NOT_INUSE", presence: "available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTelephonyRig(t)
			if err := r.tel.ApplyRoom(context.Background(), tt.room, tt.offline); err != nil {
				t.Fatal(err)
			}
			for _, ext := range tt.room.Extensions {
				if v, _ := r.srv.Global("PBXAGENT_HOTEL_" + ext); v != tt.classes {
					t.Errorf("%s: offline classes %q, want %q", ext, v, tt.classes)
				}
				if v, _ := r.srv.DeviceState("Stasis:dnd-" + ext); v != tt.lamp {
					t.Errorf("%s: DND lamp %q, want %q", ext, v, tt.lamp)
				}
				if v, _ := r.srv.PresenceState(ext); v != tt.presence {
					t.Errorf("%s: presence %q, want %q", ext, v, tt.presence)
				}
				if m, ok := r.srv.Mailbox(ext + "@pbxagent"); !ok || m.NewMessages != tt.msgs {
					t.Errorf("%s: mailbox %+v %v, want %d new", ext, m, ok, tt.msgs)
				}
			}
		})
	}
}

func TestHotelCallRecord(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 18, 2, 11, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	tests := []struct {
		name    string
		call    calls.Call
		ok      bool
		seconds int
		answer  bool
	}{
		{name: "answered, 125.2 s rounded up", call: calls.Call{ID: "c1", UserID: "room:101", Direction: calls.Outbound, To: "0044207",
			CreatedAt: t0, AnsweredAt: at(9 * time.Second), EndedAt: at(9*time.Second + 125200*time.Millisecond)}, ok: true, seconds: 126, answer: true},
		{name: "not answered", call: calls.Call{ID: "c2", UserID: "room:101", Direction: calls.Outbound, To: "0044207",
			CreatedAt: t0, EndedAt: at(30 * time.Second)}, ok: true},
		{name: "a user's call", call: calls.Call{ID: "c3", UserID: "u1", Direction: calls.Outbound, To: "0044207", CreatedAt: t0}},
		{name: "a call to a room", call: calls.Call{ID: "c4", UserID: "room:101", Direction: calls.Inbound, To: "101", CreatedAt: t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := hotelCallRecordOf(tt.call, "trunk1", func(string) hotel.Class { return hotel.ClassInternational })
			if ok != tt.ok {
				t.Fatalf("ok %v", ok)
			}
			if !ok {
				return
			}
			if rec.CallID != tt.call.ID || rec.Room != "101" || rec.Number != "0044207" || rec.Class != hotel.ClassInternational ||
				rec.Trunk != "trunk1" || !rec.Start.Equal(t0) || rec.Seconds != tt.seconds || (rec.Answered != nil) != tt.answer {
				t.Errorf("record %+v", rec)
			}
		})
	}
	if got := dialTrunk("PJSIP/{to}@my-trunk"); got != "my-trunk" {
		t.Errorf("dialTrunk %q", got)
	}
	if got := dialTrunk("PJSIP/{to}"); got != "" {
		t.Errorf("dialTrunk %q", got)
	}
}

func TestAlertReceptionAndHangUp(t *testing.T) {
	r := newTelephonyRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ringingLeg := func(id string) fakeari.ChannelSnapshot {
		t.Helper()
		if _, err := r.srv.AwaitChannel(ctx, id, func(fakeari.ChannelSnapshot) bool { return true }); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(0)
		s, err := r.srv.AwaitChannel(ctx, id, func(s fakeari.ChannelSnapshot) bool { return s.State == ari.StateRinging })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// An unanswered wake-up: reception (PJSIP/601, no user has 601)
	// rings and is told.
	w := hotel.WakeUp{ID: "w2", Room: "101", At: time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC)}
	if err := r.tel.AlertReception(ctx, "601", w); err != nil {
		t.Fatal(err)
	}
	leg := ringingLeg("pbxalert-w2-ann1")
	if leg.Endpoint != "PJSIP/601" || leg.Caller.Name != "Wake-up 101" || leg.Caller.Number != "*44" {
		t.Errorf("reception's phone: %s shows %+v", leg.Endpoint, leg.Caller)
	}
	if err := r.srv.PickUp(leg.ID); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ { // the message plays, then the call ends
		if s, ok := r.srv.Channel(leg.ID); ok && s.Destroyed {
			break
		}
		r.clk.Advance(time.Second)
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Millisecond)
		_, _ = r.srv.AwaitChannel(wctx, leg.ID, func(s fakeari.ChannelSnapshot) bool { return s.Destroyed })
		wcancel()
	}
	if s, _ := r.srv.Channel(leg.ID); !s.Destroyed || s.Cause != ari.CauseNormalClearing {
		t.Errorf("reception's call after the message: %+v", s)
	}

	// A wake-up canceled while it rings: the phone stops; the attempt is
	// reported (failed) and the scheduler ignores it.
	room := hotel.Room{Number: "102", Extensions: []string{"102"}, Devices: []string{"PJSIP/603"}}
	if err := r.tel.WakeUpCall(ctx, hotel.WakeUp{ID: "w3", Room: "102", At: w.At}, room, 2, "en"); err != nil {
		t.Fatal(err)
	}
	ringingLeg("pbxwake-w3-2-ann1")
	if err := r.tel.HangUpWakeUp(ctx, "w3", 2); err != nil {
		t.Fatal(err)
	}
	if got := r.drive(t); got != "w3/failed/0s" {
		t.Errorf("result %s", got)
	}
	if s, err := r.srv.AwaitChannel(ctx, "pbxwake-w3-2-ann1", func(s fakeari.ChannelSnapshot) bool { return s.Destroyed }); err != nil {
		t.Errorf("the canceled wake-up still rings: %+v %v", s, err)
	}
}
