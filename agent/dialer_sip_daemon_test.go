package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	"github.com/pbxagent/pbxagent/testlab/sipua"
)

// sipPeer is a SIP user agent on loopback that answers every call and
// hands the calls over, with their Request-URI user and X-Campaign.
type sipPeer struct {
	a     *ua.Agent
	calls chan sipPeerCall
}

type sipPeerCall struct {
	call         *ua.Call
	to, campaign string
	alertInfo    string
}

func startSIPPeer(t *testing.T, ports *media.PortRange) *sipPeer {
	t.Helper()
	p := &sipPeer{calls: make(chan sipPeerCall, 8)}
	a, err := ua.New(ua.Config{ListenAddr: "127.0.0.1:0", Ports: ports, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		RingTimeout: 10 * time.Second, OnInvite: func(in *ua.Incoming) {
			go func() {
				_ = in.Ringing()
				c, err := in.Answer(context.Background())
				if err == nil {
					p.calls <- sipPeerCall{call: c, to: in.To(), campaign: in.Header("X-Campaign"), alertInfo: in.Header("Alert-Info")}
				}
			}()
		}})
	if err != nil {
		t.Fatal(err)
	}
	sipua.RunAgent(t, a, 10*time.Second)
	p.a = a
	return p
}

func (p *sipPeer) next(t *testing.T, what string) sipPeerCall {
	t.Helper()
	select {
	case c := <-p.calls:
		return c
	case <-time.After(15 * time.Second):
		t.Fatalf("%s got no call", what)
		return sipPeerCall{}
	}
}

// TestDialerOverSIPThroughDaemon: a daemon with sip_ua on loopback and no
// ARI runs a campaign on the sip backend: the agent's phone is called
// with the auto-answer hint, the customer is dialled through the trunk
// template with the campaign's header, answers, and is bridged to the
// agent (the agent hears the customer); the campaign counts it connected.
func TestDialerOverSIPThroughDaemon(t *testing.T) {
	ports, err := media.NewPortRange(53100, 53199)
	if err != nil {
		t.Fatal(err)
	}
	trunk, phone := startSIPPeer(t, ports), startSIPPeer(t, ports)
	_, base := testDaemon(t, func(c *config.Config) {
		c.SIPUA = config.SIPUA{Addr: "127.0.0.1:0", RTPPorts: "53000-53099", Allow: []string{"127.0.0.1"},
			Trunk: fmt.Sprintf("sip:{number}@%s", trunk.a.Addr("udp"))}
	})
	adm := client{t, base, "test-admin-token"}
	post := func(path, body string) []byte {
		t.Helper()
		code, b := adm.do("POST", path, "application/json", []byte(body))
		if code/100 != 2 {
			t.Fatalf("POST %s: %d %s", path, code, b)
		}
		return b
	}
	// A sip campaign's dial string defaults to the trunk template.
	b := post("/api/v1/campaigns", `{"id":"spring","mode":"progressive","max_channels":1,"caller_id":"+38733123456",
		"info_message":"sound:info","window":{"start":"00:00","end":"24:00"}}`)
	var out struct {
		Config struct {
			Backend    string `json:"backend"`
			DialString string `json:"dial_string"`
		} `json:"config"`
	}
	_ = json.Unmarshal(b, &out)
	if cc := out.Config; cc.Backend != "sip" || !strings.HasPrefix(cc.DialString, "sip:{number}@127.0.0.1:") {
		t.Fatalf("campaign on a SIP-only daemon: %s", b)
	}
	if code, b := adm.do("POST", "/api/v1/campaigns", "application/json", []byte(`{"id":"x","backend":"ari","max_channels":1,"info_message":"sound:info"}`)); code != 400 || !strings.Contains(string(b), "backend") {
		t.Fatalf("ari campaign without ARI: %d %s", code, b)
	}
	post("/api/v1/agents/a1/login", fmt.Sprintf(`{"campaign":"spring","endpoint":"sip:agent1@%s"}`, phone.a.Addr("udp")))
	ag := phone.next(t, "the agent's phone")
	if ag.alertInfo == "" {
		t.Error("the agent's leg came without Alert-Info")
	}
	post("/api/v1/campaigns/spring/leads", `[{"number":"+38761111111"}]`)
	post("/api/v1/campaigns/spring/start", ``)

	cu := trunk.next(t, "the trunk")
	if cu.to != "+38761111111" || cu.campaign != "spring" {
		t.Errorf("customer call to %q, X-Campaign %q", cu.to, cu.campaign)
	}
	// The customer speaks; the agent hears it.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s := make([]int16, media.ClockRate)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/media.ClockRate))
	}
	go func() { _ = cu.call.Media().Play(ctx, &media.Audio{Samples: s}, true) }()
	if r := ag.call.Media().DetectMachine(ctx, media.AMDConfig{InitialSilence: time.Hour, MaxGreeting: time.Nanosecond}); r != media.AMDMachine {
		t.Fatalf("the agent did not hear the customer (%v)", r)
	}
	if err := cu.call.Hangup(ctx, 16); err != nil {
		t.Fatal(err)
	}
	for {
		code, b := adm.do("GET", "/api/v1/campaigns/spring/stats", "", nil)
		if code == 200 && strings.Contains(string(b), `"connected":1`) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("campaign never counted the call connected: %d %s", code, b)
		}
		time.Sleep(20 * time.Millisecond) // poll with a deadline
	}
}

// TestDialerBothBackendsThroughDaemon: with ARI and the SIP user agent
// both configured, campaigns default to ari and may choose sip, and an
// agent's endpoint must fit its campaign's backend.
func TestDialerBothBackendsThroughDaemon(t *testing.T) {
	_, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	_, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
		c.SIPUA = config.SIPUA{Addr: "127.0.0.1:0", RTPPorts: "53200-53299", Trunk: "sip:{number}@192.0.2.1"}
	})
	adm := client{t, base, "test-admin-token"}
	for _, tt := range []struct {
		body, backend, dial string
	}{
		{body: `{"id":"a","max_channels":1,"info_message":"sound:info"}`, backend: "ari", dial: "PJSIP/{number}@trunk"},
		{body: `{"id":"s","backend":"sip","max_channels":1,"info_message":"sound:info"}`, backend: "sip", dial: "sip:{number}@192.0.2.1"},
	} {
		code, b := adm.do("POST", "/api/v1/campaigns", "application/json", []byte(tt.body))
		var out struct {
			Config struct {
				Backend    string `json:"backend"`
				DialString string `json:"dial_string"`
			} `json:"config"`
		}
		_ = json.Unmarshal(b, &out)
		if code != 201 || out.Config.Backend != tt.backend || out.Config.DialString != tt.dial {
			t.Errorf("create %s: %d %s", tt.body, code, b)
		}
	}
	for _, tt := range []struct {
		campaign, endpoint string
		want               int
	}{
		{campaign: "s", endpoint: "PJSIP/101", want: 400},
		{campaign: "a", endpoint: "sip:101@192.0.2.5", want: 400},
		{campaign: "a", endpoint: "101", want: 400},
	} {
		code, b := adm.do("POST", "/api/v1/agents/x/login", "application/json", []byte(`{"campaign":"`+tt.campaign+`","endpoint":"`+tt.endpoint+`"}`))
		if code != tt.want || !strings.Contains(string(b), "endpoint") {
			t.Errorf("login to %s with %s: %d %s", tt.campaign, tt.endpoint, code, b)
		}
	}
}
