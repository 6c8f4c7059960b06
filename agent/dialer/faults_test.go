package dialer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A customer leg placed before a restart answers into the app: the
// campaign's information message, then the hang-up; never silence.
func TestStrayCallHearsTheMessageOrIsHungUp(t *testing.T) {
	tests := []struct {
		name     string
		campaign string
		playErr  error
		want     []string
	}{
		{name: "known campaign: message", campaign: "camp", want: []string{"play old-1 sound:info"}},
		{name: "message refused: hang up", campaign: "camp", playErr: errors.New("gone"), want: []string{"play old-1 sound:info", "hangup old-1"}},
		{name: "unknown campaign: hang up", campaign: "nope", want: []string{"hangup old-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, CampaignConfig{Mode: ModeProgressive})
			r.tel.playErr = tt.playErr
			r.d.HandleEvent(Event{Kind: EventStray, CallID: "old-1", Campaign: tt.campaign})
			if got := r.tel.take(); !slices.Equal(got, tt.want) {
				t.Fatalf("commands %v, want %v", got, tt.want)
			}
			if tt.campaign == "camp" && r.view().StrayCalls != 1 {
				t.Fatalf("stray not counted: %+v", r.view())
			}
		})
	}
}

// The AMD dialplan failing is a configuration fault: outcome config_error,
// the campaign paused, and the reason shown.
func TestAMDFaultPausesCampaignWithReason(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive, AMD: AMDConfig{Enabled: true, Action: "hangup"}})
	r.leads("+442071234001", "+442071234002")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(8 * time.Second)
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Fault: "AMD dialplan failed"})
	v := r.view()
	if v.Outcomes[OutcomeConfig] != 1 || v.Outcomes[OutcomeUnknown] != 0 {
		t.Fatalf("outcomes %v, want one config_error", v.Outcomes)
	}
	if v.State != CampaignPaused || !strings.Contains(v.LastFault, "AMD") {
		t.Fatalf("campaign %s, fault %q: want paused with the AMD fault", v.State, v.LastFault)
	}
}

// A recording that cannot start leaves the conversation alone and says so.
func TestRecordingFailureKeepsTheCall(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive, Record: true})
	r.tel.joinErr = fmt.Errorf("record c1: %w", ErrRecordingFailed)
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.tel.take()
	r.clk.Advance(8 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	if got := r.tel.take(); !slices.Equal(got, []string{"join c1 a1"}) {
		t.Fatalf("commands %v: the call must not be hung up", got)
	}
	if v := r.view(); v.RecordingFailures != 1 || !strings.Contains(v.LastFault, "recording") {
		t.Fatalf("view %+v: want the recording failure reported", v)
	}
}
