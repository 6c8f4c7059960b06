package dialer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
		talking  bool
		playErr  error
		want     []string
	}{
		{name: "known campaign: message", campaign: "camp", want: []string{"play old-1 sound:info"}},
		{name: "message refused: hang up", campaign: "camp", playErr: errors.New("gone"), want: []string{"play old-1 sound:info", "hangup old-1"}},
		{name: "unknown campaign: hang up", campaign: "nope", want: []string{"hangup old-1"}},
		{name: "was talking to an agent: hang up", campaign: "camp", talking: true, want: []string{"hangup old-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, CampaignConfig{Mode: ModeProgressive})
			r.tel.playErr = tt.playErr
			r.d.HandleEvent(Event{Kind: EventStray, CallID: "old-1", Campaign: tt.campaign, Talking: tt.talking})
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
	r.tel.take()
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Fault: "AMD dialplan failed"})
	r.clk.Advance(time.Minute)
	if n := r.tel.count("originate"); n != 0 {
		t.Fatalf("%d calls placed after the fault, want none", n)
	}
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

// A cold predictive campaign dials no more calls than free agents until it
// has measured its answer rate; then it paces from the measurement.
func TestColdStartDialsOnePerFreeAgent(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModePredictive})
	var nums []string
	for i := range 200 {
		nums = append(nums, fmt.Sprintf("+4420712%05d", i))
	}
	r.leads(nums...)
	r.login("a1", "a2")
	r.tel.take()
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(2 * time.Second)
	if n := r.tel.count("originate"); n != 2 {
		t.Fatalf("cold campaign with 2 free agents placed %d calls, want 2", n)
	}
	if !r.view().ColdStart {
		t.Fatal("view does not say the campaign is in its cold start")
	}
	// Feed it measurements: every call rings out, so the answer rate is low
	// and, once warm, it dials more than one call per agent.
	for i := 0; r.view().ColdStart && i < 500; i++ {
		for _, o := range r.tel.originate {
			r.d.HandleEvent(Event{Kind: EventEnded, CallID: o.CallID, Cause: 19})
		}
		r.tel.originate = nil
		r.clk.Advance(30 * time.Second)
	}
	if r.view().ColdStart {
		t.Fatal("still cold after 100 attempts")
	}
	r.tel.take()
	r.tel.originate = nil
	r.clk.Advance(2 * time.Second)
	if v := r.view(); v.Ringing <= 2 {
		t.Fatalf("warm campaign with a low answer rate rings %d calls for 2 agents, want more", v.Ringing)
	}
}

// Start sets the context of the commands while HTTP handlers, already
// serving, queue commands (a login during start): run with -race.
func TestStartRacesNoCommand(t *testing.T) {
	d := New(&recTel{}, WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(d.Close)
	if _, err := d.CreateCampaign(CampaignConfig{ID: "camp", Mode: ModeProgressive, MaxChannels: 2, InfoMessage: "sound:x",
		Window: CallingWindow{DefaultTZ: "Europe/London"}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); d.Start(context.Background()) }()
	for i := range 20 {
		_ = d.Login(fmt.Sprintf("a%d", i), "camp", "PJSIP/a")
	}
	<-done
}
