package calls

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// fakeFeatures: *41 needs no keys, *44 four (HHMM); Perform fails for
// "2500".
type fakeFeatures struct {
	mu   sync.Mutex
	done []string // code/digits/endpoint
}

func (f *fakeFeatures) Code(_ context.Context, from Origin, code string) (FeatureCode, bool) {
	switch code {
	case "*41":
		return FeatureCode{}, true
	case "*44":
		return FeatureCode{Digits: 4, Prompt: []string{"sound:to-rqst-wakeup-call"}, Lang: "it"}, true
	}
	return FeatureCode{}, false
}

func (f *fakeFeatures) Perform(_ context.Context, from Origin, code, digits string) error {
	if digits == "2500" {
		return errors.New("bad time")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = append(f.done, code+"/"+digits+"/"+from.Endpoint)
	return nil
}

func (f *fakeFeatures) performed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.done...)
}

func TestFeatureCodes(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		keys   string // pressed once the prompt plays
		played []string
		done   []string
	}{
		{name: "make-up requested", code: "*41", played: []string{"sound:auth-thankyou"}, done: []string{"*41//PJSIP/601"}},
		{name: "wake-up at 07:30", code: "*44", keys: "0730",
			played: []string{"sound:to-rqst-wakeup-call", "sound:auth-thankyou"}, done: []string{"*44/0730/PJSIP/601"}},
		{name: "wake-up, a bad time", code: "*44", keys: "2500",
			played: []string{"sound:to-rqst-wakeup-call", "sound:an-error-has-occurred"}},
		{name: "wake-up, too few keys", code: "*44", keys: "07",
			played: []string{"sound:to-rqst-wakeup-call", "sound:an-error-has-occurred"}},
		{name: "not a code", code: "*49", played: []string{"sound:an-error-has-occurred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeFeatures{}
			e, p := newHotelEnv(t, roomUsers(), WithFeatures(f, FeatureSounds{}))
			id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "601", Context: "from-internal",
				Exten: tt.code, Endpoint: "PJSIP/601", Args: []string{"feature", tt.code}})
			if err != nil {
				t.Fatal(err)
			}
			if tt.keys != "" {
				e.awaitPlayed(p, id, tt.played[0])
				e.awaitPlayback(id+"-p1", "queued", "playing")
				if err := e.srv.PressDTMF(id, tt.keys, 0); err != nil {
					t.Fatal(err)
				}
			}
			e.driveUntilGone(id, time.Second)
			e.awaitPlayed(p, id, tt.played...)
			if got := f.performed(); len(got) != len(tt.done) || (len(got) > 0 && got[0] != tt.done[0]) {
				t.Errorf("performed %q, want %q", got, tt.done)
			}
			if s, _ := e.srv.Channel(id); s.Cause != ari.CauseNormalClearing {
				t.Errorf("cause %d", s.Cause)
			}
		})
	}
}
