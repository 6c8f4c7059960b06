package fakeari_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

type httpResult struct {
	status int
	body   string
	header http.Header
}

func call(t *testing.T, method, url, user, pass string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{resp.StatusCode, strings.TrimSpace(string(b)), resp.Header}
}

func connect(t *testing.T, url, app string) *ari.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ari.Connect(ctx, url, ari.WithAuth("U", "P"), ari.WithApps(app))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitEvent(t *testing.T, sub *ari.Subscription) ari.Event {
	t.Helper()
	select {
	case ev := <-sub.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return nil
}

// TestObservedOnRealAsterisk replays the statuses and bodies a real Asterisk
// 22.10.1 returned to the same requests (observed on Asterisk 22.10.1, Local
// channels).
func TestObservedOnRealAsterisk(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"))
	c := connect(t, url, "pbxagent-cid")
	starts := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	inStasis, err := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-cid", Caller: "600115"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, starts)
	outOfStasis, _ := srv.PlaceInbound(fakeari.InboundCall{App: "pbxagent-cid", Caller: "600116"})
	waitEvent(t, starts)
	if err := c.Channels().Continue(context.Background(), outOfStasis, ari.DialplanTarget{}); err != nil {
		t.Fatal(err)
	}
	base := url + "/ari"
	tests := []struct {
		name, method, path, user string
		status                   int
		body                     string
	}{
		{"wrong password", "GET", "/channels", "bad", 401, `{"message":"Authentication required"}`},
		{"continue not in Stasis", "POST", "/channels/" + outOfStasis + "/continue", "P", 409, `{"message":"Channel not in Stasis application"}`},
		{"set var not in Stasis", "POST", "/channels/" + outOfStasis + "/variable?variable=X&value=1", "P", 409, `{"message":"Channel not in Stasis application"}`},
		{"continue missing channel", "POST", "/channels/nope/continue", "P", 404, `{"message":"Channel not found"}`},
		{"set var missing channel", "POST", "/channels/nope/variable?variable=X&value=1", "P", 404, `{"message":"Channel not found"}`},
		{"get var missing channel", "GET", "/channels/nope/variable?variable=X", "P", 404, `{"message":"Provided channel was not found"}`},
		{"get unset var", "GET", "/channels/" + inStasis + "/variable?variable=NOPE", "P", 404, `{"message":"Provided variable was not found"}`},
		{"set var without name", "POST", "/channels/" + inStasis + "/variable?value=1", "P", 400, `{"message":"Variable name is required"}`},
		{"originate unknown tech", "POST", "/channels?endpoint=Bogus/123&app=pbxagent-cid", "P", 500, `{"error":"Allocation failed"}`},
		{"originate nonsense", "POST", "/channels?endpoint=nonsense&app=pbxagent-cid", "P", 400, `{"message":"Invalid endpoint specified"}`},
		{"originate without app", "POST", "/channels?endpoint=Local/1@x", "P", 400, `{"message":"Application or extension must be specified"}`},
		{"originate into unregistered app", "POST", "/channels?endpoint=Local/1@x&app=nobody", "P", 200, ""},
		{"set CALLERID(name)", "POST", "/channels/" + inStasis + "/variable?variable=CALLERID(name)&value=Alice", "P", 204, ""},
		{"continue in Stasis", "POST", "/channels/" + inStasis + "/continue", "P", 204, ""},
		{"api_key auth", "GET", "/asterisk/ping?api_key=U:P", "", 200, ""},
		{"unknown path", "GET", "/nothing", "P", 404, `{"message":"Resource not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := "U"
			if tt.user == "" {
				user = ""
			}
			r := call(t, tt.method, base+tt.path, user, tt.user)
			if r.status != tt.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.body, tt.status)
			}
			if tt.body != "" && r.body != tt.body {
				t.Fatalf("body %s, want %s", r.body, tt.body)
			}
			if tt.status == 401 && r.header.Get("WWW-Authenticate") != `Basic realm="Asterisk REST Interface"` {
				t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestControlAPI drives the /testlab endpoints the way an external test of
// the fake-asterisk binary would.
func TestControlAPI(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"))
	if r := call(t, "POST", url+"/testlab/calls?app=cid&caller=123", "U", "P"); r.status != 409 || !strings.Contains(r.body, "channel_id") {
		t.Fatalf("call into unregistered app: %d %s", r.status, r.body)
	}
	c := connect(t, url, "cid")
	starts := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	r := call(t, "POST", url+"/testlab/calls?app=cid&caller=%2B441234&exten=600&name=Bob", "U", "P")
	if r.status != 200 {
		t.Fatalf("place call: %d %s", r.status, r.body)
	}
	var placed struct {
		ChannelID string `json:"channel_id"`
	}
	if err := json.Unmarshal([]byte(r.body), &placed); err != nil || placed.ChannelID == "" {
		t.Fatalf("reply %s", r.body)
	}
	ss := waitEvent(t, starts).(*ari.StasisStart)
	if ss.Channel.ID != placed.ChannelID || ss.Channel.Caller.Number != "+441234" || ss.Channel.Caller.Name != "Bob" {
		t.Fatalf("StasisStart %+v", ss.Channel)
	}
	ctx := context.Background()
	if err := c.Channels().SetVariable(ctx, placed.ChannelID, "CALLERID(name)", "Robert"); err != nil {
		t.Fatal(err)
	}
	if err := c.Channels().Continue(ctx, placed.ChannelID, ari.DialplanTarget{Context: "after-cid", Extension: "600", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	var snap struct {
		State     string            `json:"state"`
		InStasis  bool              `json:"in_stasis"`
		Variables map[string]string `json:"variables"`
		Dialplan  ari.DialplanCEP   `json:"dialplan"`
	}
	r = call(t, "GET", url+"/testlab/channels/"+placed.ChannelID, "U", "P")
	if err := json.Unmarshal([]byte(r.body), &snap); err != nil {
		t.Fatal(err, r.body)
	}
	if snap.State != "Ring" || snap.InStasis || snap.Variables["CALLERID(name)"] != "Robert" || snap.Dialplan.Context != "after-cid" || snap.Dialplan.Exten != "600" {
		t.Fatalf("snapshot %s", r.body)
	}
	if r := call(t, "DELETE", url+"/testlab/channels/"+placed.ChannelID, "U", "P"); r.status != 204 {
		t.Fatalf("hangup %d", r.status)
	}
	if cs, _ := srv.Channel(placed.ChannelID); !cs.Destroyed || cs.Cause != 16 {
		t.Fatalf("after hangup %+v", cs)
	}
	if r := call(t, "GET", url+"/testlab/channels/x", "U", "bad"); r.status != 401 {
		t.Fatalf("control without auth: %d", r.status)
	}
}

func TestCustomersDeterministic(t *testing.T) {
	c := fakeari.Customers{AnswerProb: 0.3, MachineProb: 0.2, BusyProb: 0.05, RingMin: 5 * time.Second, RingMax: 25 * time.Second, TalkMean: 2 * time.Minute}
	draw := func() []fakeari.Plan {
		r := rand.New(rand.NewPCG(7, 7))
		out := make([]fakeari.Plan, 2000)
		for i := range out {
			out[i] = c.Plan("PJSIP/x", r)
		}
		return out
	}
	a, b := draw(), draw()
	counts := map[fakeari.Outcome]int{}
	machines := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("plan %d differs for the same seed", i)
		}
		counts[a[i].Outcome]++
		if a[i].Machine {
			machines++
		}
		if a[i].Outcome == fakeari.Answer && (a[i].Ring < c.RingMin || a[i].Ring >= c.RingMax) {
			t.Fatalf("ring %v outside range", a[i].Ring)
		}
	}
	// 0.95 * 0.3 = 28.5% answers; 5% busy (loose bounds, n = 2000).
	if n := counts[fakeari.Answer]; n < 470 || n > 670 {
		t.Fatalf("answers %d of 2000", n)
	}
	if n := counts[fakeari.Busy]; n < 60 || n > 140 {
		t.Fatalf("busy %d of 2000", n)
	}
	if machines < 60 || machines > 170 {
		t.Fatalf("machines %d", machines)
	}
}

// TestSimulatedHour runs an hour of dialing on the virtual clock: every
// call ends, outcomes follow the scripted customers, in far less than an hour.
func TestSimulatedHour(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"), fakeari.WithSeed(3),
		fakeari.WithPeer("PJSIP/", fakeari.Customers{AnswerProb: 0.3, BusyProb: 0.1, RingMin: 5 * time.Second, RingMax: 25 * time.Second, FailRing: 2 * time.Second, TalkMean: time.Minute}))
	c := connect(t, url, "dialer")
	ended := c.Events().Subscribe(ari.Filter{Types: []string{"ChannelDestroyed"}})
	defer ended.Cancel()
	ctx := context.Background()
	const calls = 600 // one every 5 s for 50 minutes
	for i := range calls {
		if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/+4420" + strings.Repeat("1", i%5+1) + "@trunk", Timeout: 25 * time.Second}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(5 * time.Second)
	}
	clk.Advance(2 * time.Hour) // every talk ends (exponential tails are bounded in practice)
	causes := map[int]int{}
	for range calls {
		causes[waitEvent(t, ended).(*ari.ChannelDestroyed).Cause]++
	}
	if causes[16] < 120 || causes[17] < 30 || causes[19] < 250 {
		t.Fatalf("cause mix %v", causes)
	}
	if st := srv.Stats(); st.Originates != calls || len(srv.Channels()) != 0 {
		t.Fatalf("stats %+v, %d channels left", st, len(srv.Channels()))
	}
}

func TestAMD(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	_, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"), fakeari.WithAMD("dialer-amd"),
		fakeari.WithPeer("PJSIP/m", fakeari.Fixed{Outcome: fakeari.Answer, Ring: time.Second, Machine: true}),
		fakeari.WithPeer("PJSIP/h", fakeari.Fixed{Outcome: fakeari.Answer, Ring: time.Second}))
	c := connect(t, url, "dialer")
	starts := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	ctx := context.Background()
	for _, tt := range []struct{ ep, want string }{{"PJSIP/m1", "MACHINE"}, {"PJSIP/h1", "HUMAN"}} {
		ch, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tt.ep})
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		waitEvent(t, starts)
		if err := c.Channels().Continue(ctx, ch.ID, ari.DialplanTarget{Context: "dialer-amd", Extension: "s"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(3 * time.Second)
		ss := waitEvent(t, starts).(*ari.StasisStart)
		if ss.Channel.ID != ch.ID || len(ss.Args) != 3 || ss.Args[0] != "amd" || ss.Args[1] != tt.want {
			t.Fatalf("%s: AMD StasisStart args %v", tt.ep, ss.Args)
		}
		if v, err := c.Channels().GetVariable(ctx, ch.ID, "AMDSTATUS"); err != nil || v != tt.want {
			t.Fatalf("AMDSTATUS %q %v", v, err)
		}
	}
}

func TestAwait(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ari.New(url, ari.WithAuth("U", "P"), ari.WithApps("cid"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		if ev, ok := <-sub.Events(); ok {
			_ = c.Channels().Continue(ctx, ev.(*ari.StasisStart).Channel.ID, ari.DialplanTarget{})
		}
	}()
	if err := srv.AwaitApp(ctx, "cid"); err != nil {
		t.Fatal(err)
	}
	id, err := srv.PlaceInbound(fakeari.InboundCall{App: "cid", Caller: "5"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := srv.AwaitChannel(ctx, id, func(c fakeari.ChannelSnapshot) bool { return !c.InStasis })
	if err != nil || snap.Dialplan.Priority != 2 {
		t.Fatalf("%+v %v", snap, err)
	}
}

func TestStartStopsWithContext(t *testing.T) {
	srv := fakeari.New()
	ctx, cancel := context.WithCancel(context.Background())
	url, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	// Close after the context's own shutdown must not block or fail.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/ari/asterisk/ping"); err == nil {
		t.Fatal("server still answering after Close")
	}
}
