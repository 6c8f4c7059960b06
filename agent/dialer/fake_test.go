package dialer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// recTel records Telephony commands; tests answer for the network through
// Dialer.HandleEvent.
type recTel struct {
	cmds      []string
	originate []OriginateRequest
	failOrig  bool
	joinErr   error // returned by Join (after recording the command)
	playErr   error // returned by PlayMessage
}

func (r *recTel) Originate(_ context.Context, req OriginateRequest) error {
	r.cmds = append(r.cmds, "originate "+req.CallID+" "+req.Number)
	r.originate = append(r.originate, req)
	if r.failOrig {
		return fmt.Errorf("refused")
	}
	return nil
}
func (r *recTel) ConnectAgent(_ context.Context, a, ep string) error {
	r.cmds = append(r.cmds, "connect "+a+" "+ep)
	return nil
}
func (r *recTel) DisconnectAgent(_ context.Context, a string) error {
	r.cmds = append(r.cmds, "disconnect "+a)
	return nil
}
func (r *recTel) Join(_ context.Context, c, a string, rec bool) error {
	r.cmds = append(r.cmds, fmt.Sprintf("join %s %s", c, a))
	return r.joinErr
}
func (r *recTel) Hold(_ context.Context, c string, m HoldMedia) error {
	r.cmds = append(r.cmds, fmt.Sprintf("hold %s %s", c, m))
	return nil
}
func (r *recTel) PlayMessage(_ context.Context, c, m string) error {
	r.cmds = append(r.cmds, fmt.Sprintf("play %s %s", c, m))
	return r.playErr
}
func (r *recTel) Hangup(_ context.Context, c string) error {
	r.cmds = append(r.cmds, "hangup "+c)
	return nil
}

// take returns and clears the recorded commands.
func (r *recTel) take() []string { c := r.cmds; r.cmds = nil; return c }

func (r *recTel) count(prefix string) int {
	n := 0
	for _, c := range r.cmds {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // 10:00 in London

type rig struct {
	t   testing.TB
	clk *clock.Virtual
	tel *recTel
	d   *Dialer
}

func newRig(t testing.TB, cfg CampaignConfig) *rig {
	t.Helper()
	clk := clock.NewVirtual(t0)
	tel := &recTel{}
	d := New(tel, WithClock(clk), WithCallIDPrefix("c"), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	d.Start(context.Background())
	t.Cleanup(d.Close)
	if cfg.ID == "" {
		cfg.ID = "camp"
	}
	if cfg.MaxChannels == 0 {
		cfg.MaxChannels = 10
	}
	if cfg.InfoMessage == "" {
		cfg.InfoMessage = "sound:info"
	}
	if cfg.Window.DefaultTZ == "" {
		cfg.Window.DefaultTZ = "Europe/London"
	}
	if _, err := d.CreateCampaign(cfg); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, clk: clk, tel: tel, d: d}
}

func (r *rig) leads(nums ...string) {
	r.t.Helper()
	var in []LeadInput
	for _, n := range nums {
		in = append(in, LeadInput{Number: n})
	}
	if _, err := r.d.AddLeads("camp", in); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) login(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		if err := r.d.Login(id, "camp", "PJSIP/"+id); err != nil {
			r.t.Fatal(err)
		}
		r.d.HandleEvent(Event{Kind: EventAgentUp, AgentID: id})
	}
}

func (r *rig) agentState(id string) AgentState {
	r.t.Helper()
	v, err := r.d.AgentView(id)
	if err != nil {
		r.t.Fatal(err)
	}
	return v.State
}

func (r *rig) view() CampaignView {
	r.t.Helper()
	v, err := r.d.CampaignView("camp")
	if err != nil {
		r.t.Fatal(err)
	}
	return v
}
