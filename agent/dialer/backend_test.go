package dialer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestCampaignBackend(t *testing.T) {
	base := CampaignConfig{ID: "c", MaxChannels: 1, InfoMessage: "sound:info"}
	with := func(f func(*CampaignConfig)) CampaignConfig { c := base; f(&c); return c }
	tests := []struct {
		name     string
		opts     []Option
		cfg      CampaignConfig
		backend  string
		dial     string
		errField string // "" when valid
	}{
		{name: "ari default", cfg: base, backend: "ari", dial: "PJSIP/{number}@trunk"},
		{name: "sip only daemon defaults to sip", opts: []Option{WithBackends("sip"), WithSIPTrunk("sip:{number}@trunk.example.com")},
			cfg: base, backend: "sip", dial: "sip:{number}@trunk.example.com"},
		{name: "sip takes the trunk template", opts: []Option{WithBackends("ari", "sip"), WithSIPTrunk("sip:{number}@t")},
			cfg: with(func(c *CampaignConfig) { c.Backend = "sip" }), backend: "sip", dial: "sip:{number}@t"},
		{name: "sip with its own URI", opts: []Option{WithBackends("ari", "sip")},
			cfg: with(func(c *CampaignConfig) { c.Backend = "sip"; c.DialString = "sips:{number}@other" }), backend: "sip", dial: "sips:{number}@other"},
		{name: "sip off", cfg: with(func(c *CampaignConfig) { c.Backend = "sip"; c.DialString = "sip:{number}@t" }), errField: "backend"},
		{name: "ari off", opts: []Option{WithBackends("sip")}, cfg: with(func(c *CampaignConfig) { c.Backend = "ari" }), errField: "backend"},
		{name: "unknown backend", cfg: with(func(c *CampaignConfig) { c.Backend = "h323" }), errField: "backend"},
		{name: "sip without trunk or dial string", opts: []Option{WithBackends("sip")}, cfg: base, errField: "dial_string"},
		{name: "sip with an Asterisk dial string", opts: []Option{WithBackends("sip")},
			cfg: with(func(c *CampaignConfig) { c.DialString = "PJSIP/{number}@trunk" }), errField: "dial_string"},
		{name: "ari with a SIP URI", cfg: with(func(c *CampaignConfig) { c.DialString = "sip:{number}@trunk" }), errField: "dial_string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(&recTel{}, append(tt.opts, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))...)
			defer d.Close()
			got, err := d.CreateCampaign(tt.cfg)
			if tt.errField != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.errField) {
					t.Fatalf("err %v, want one naming %s", err, tt.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Backend != tt.backend || got.DialString != tt.dial {
				t.Errorf("backend %q dial string %q, want %q %q", got.Backend, got.DialString, tt.backend, tt.dial)
			}
		})
	}
}

func TestEndpointBackend(t *testing.T) {
	for ep, want := range map[string]string{
		"sip:101@10.0.0.5": "sip", "SIPS:101@pbx": "sip", "101": "sip", "alice": "sip",
		"PJSIP/101": "ari", "SIP/101": "ari", "Local/101@agents": "ari",
	} {
		if got := EndpointBackend(ep); got != want {
			t.Errorf("EndpointBackend(%q) = %s, want %s", ep, got, want)
		}
	}
}

func TestSIPCampaignCalls(t *testing.T) {
	tel := &recTel{}
	d := New(tel, WithBackends("ari", "sip"), WithSIPTrunk("sip:{number}@trunk"), WithCallIDPrefix("c"),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	d.Start(context.Background())
	defer d.Close()
	if _, err := d.CreateCampaign(CampaignConfig{ID: "camp", Backend: "sip", Mode: ModeProgressive, MaxChannels: 1, InfoMessage: "sound:info",
		Window: CallingWindow{Start: "00:00", End: "24:00"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Login("a1", "camp", "PJSIP/a1"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("Asterisk endpoint on a sip campaign: %v", err)
	}
	if err := d.Login("a1", "camp", "sip:101@10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a1"})
	if _, err := d.AddLeads("camp", []LeadInput{{Number: "+441234567890"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	if len(tel.originate) != 1 {
		t.Fatalf("%d calls placed, want 1 (commands %v)", len(tel.originate), tel.cmds)
	}
	if req := tel.originate[0]; req.Backend != "sip" || req.Endpoint != "sip:+441234567890@trunk" {
		t.Errorf("originate %+v", req)
	}
}

func TestStartRefusesMissingBackend(t *testing.T) {
	// A campaign saved on sip, restored by a daemon whose SIP user agent is off.
	st := NewMemoryStore()
	d := New(&recTel{}, WithBackends("ari", "sip"), WithStore(st), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if _, err := d.CreateCampaign(CampaignConfig{ID: "camp", Backend: "sip", DialString: "sip:{number}@t", MaxChannels: 1, InfoMessage: "sound:info"}); err != nil {
		t.Fatal(err)
	}
	d2 := New(&recTel{}, WithStore(st), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := d2.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d2.CampaignConfigOf("camp"); err != nil {
		t.Fatalf("campaign not restored: %v", err)
	}
	if err := d2.StartCampaign("camp"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "backend") {
		t.Errorf("start without the backend: %v", err)
	}
}
