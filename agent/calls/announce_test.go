package calls

import (
	"context"
	"testing"
	"time"
)

func TestAnnounce(t *testing.T) {
	tests := []struct {
		name    string
		devices []string
		answer  string // the leg picked up ("" none)
		key     string // pressed while the message plays
		want    AnnounceResult
		stopped []string // legs that stopped ringing when another answered
	}{
		{name: "answered, no key", devices: []string{"PJSIP/601"}, answer: "w1-ann1",
			want: AnnounceResult{Answered: true, Device: "PJSIP/601"}},
		{name: "answered, snooze key", devices: []string{"PJSIP/601"}, answer: "w1-ann1", key: "1",
			want: AnnounceResult{Answered: true, Device: "PJSIP/601", Key: "1"}},
		{name: "two phones, the second answers", devices: []string{"PJSIP/603", "PJSIP/601"}, answer: "w1-ann2",
			want: AnnounceResult{Answered: true, Device: "PJSIP/601"}, stopped: []string{"w1-ann1"}},
		{name: "no answer", devices: []string{"PJSIP/103"}, want: AnnounceResult{Status: StatusNoAnswer}},
		{name: "busy", devices: []string{"PJSIP/602"}, want: AnnounceResult{Status: StatusBusy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, p := newHotelEnv(t, roomUsers())
			type out struct {
				r   AnnounceResult
				err error
			}
			done := make(chan out, 1)
			go func() {
				r, err := e.eng.Announce(context.Background(), AnnounceRequest{ID: "w1", Devices: tt.devices,
					CallerID: CallerID("Wake-up", "*44"), Timeout: 30 * time.Second,
					Media: []string{"sound:this-is-yr-wakeup-call", "number:7"}, Lang: "it", Keys: "1", KeyWait: 5 * time.Second})
				done <- out{r, err}
			}()
			for i := range tt.devices {
				leg := e.ring("w1-ann" + string(rune('1'+i)))
				if leg.Caller.Name != "Wake-up" || leg.Caller.Number != "*44" {
					t.Errorf("leg shows %+v", leg.Caller)
				}
			}
			if tt.answer != "" {
				if err := e.srv.PickUp(tt.answer); err != nil {
					t.Fatal(err)
				}
				e.awaitPlayed(p, tt.answer, "sound:this-is-yr-wakeup-call&number:7")
				if p.langs[tt.answer] != "it" {
					t.Errorf("language %q", p.langs[tt.answer])
				}
				for _, l := range tt.stopped {
					e.awaitChannel(l, "stopped ringing", destroyed)
				}
				if tt.key != "" {
					e.awaitPlayback(tt.answer+"-p1", "queued", "playing")
					if err := e.srv.PressDTMF(tt.answer, tt.key, 0); err != nil {
						t.Fatal(err)
					}
				}
				e.driveUntilGone(tt.answer, time.Second)
			} else {
				for i := range tt.devices {
					e.driveUntilGone("w1-ann"+string(rune('1'+i)), time.Second)
				}
			}
			select {
			case o := <-done:
				if o.err != nil || o.r != tt.want {
					t.Errorf("got %+v, %v; want %+v", o.r, o.err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Announce did not return")
			}
			e.pub.mu.Lock()
			n := len(e.pub.evs)
			e.pub.mu.Unlock()
			if n != 0 {
				t.Errorf("an announcement published %d call events", n)
			}
		})
	}
}
