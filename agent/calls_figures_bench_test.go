package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// The figures of issue #19 on the whole daemon (users, sessions, the HTTP
// layer, the calls engine, the events hub and its WebSocket) against the
// in-process ARI stand-in, on loopback. Users' desks (PJSIP/1…) answer by
// themselves when asked to auto-answer; the destination (PJSIP/200)
// answers at once and stays up until it hangs up.

// figRig is a daemon on the stand-in with users signed in.
type figRig struct {
	tb    testing.TB
	srv   *fakeari.Server
	base  string
	http  *http.Client
	users []figUser
	sup   figUser // holds manage_callcenter, has no device
	tap   *ariTap
}

// figUser is a user signed in with the session cookie.
type figUser struct {
	name    string
	cookies []*http.Cookie
	csrf    string
}

// ariTap keeps every event the stand-in sends, with the time it was sent.
type ariTap struct {
	mu  sync.Mutex
	evs []tapped
}

type tapped struct {
	b  []byte
	at time.Time
}

func (t *ariTap) add(b []byte, at time.Time) {
	t.mu.Lock()
	t.evs = append(t.evs, tapped{b, at})
	t.mu.Unlock()
}

// take returns the events tapped since the last take.
func (t *ariTap) take() []tapped {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.evs
	t.evs = nil
	return out
}

func newFigRig(tb testing.TB, users int) *figRig {
	tb.Helper()
	tap := &ariTap{}
	srv, url := fakeari.StartTest(tb, fakeari.WithAuth("asterisk", "secret"), fakeari.WithLogger(discardLog()),
		fakeari.WithEventTap(tap.add),
		fakeari.WithPeer("PJSIP/1", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	cfg := testdaemon.Config(tb, "test-admin-token")
	cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = url, "asterisk", "secret"
	// Cheap password hashes: the figures are not about sign-in.
	cfg.Users.Argon2Memory, cfg.Users.Argon2Time = 64, 1
	d := testdaemon.Start(tb, New, cfg, nil)
	r := &figRig{tb: tb, srv: srv, base: "http://" + d.HTTPAddr(), tap: tap,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	tb.Cleanup(r.http.CloseIdleConnections)
	for i := range users {
		r.users = append(r.users, r.signIn(fmt.Sprintf("user%d", i), nil, []string{fmt.Sprintf("PJSIP/1%03d", i)}))
	}
	r.sup = r.signIn("supervisor", []string{"manage_callcenter"}, nil)
	return r
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// do sends a request; cookies and csrf authenticate it (none: the admin
// token).
func (r *figRig) do(method, path string, u *figUser, body string) (int, map[string]any) {
	r.tb.Helper()
	req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if u == nil {
		req.Header.Set("Authorization", "Bearer test-admin-token")
	} else {
		for _, c := range u.cookies {
			req.AddCookie(c)
		}
		req.Header.Set("X-CSRF-Token", u.csrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.http.Do(req)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (r *figRig) signIn(name string, abilities, endpoints []string) figUser {
	r.tb.Helper()
	ab, _ := json.Marshal(append([]string{}, abilities...))
	eps, _ := json.Marshal(append([]string{}, endpoints...))
	body := `{"username":"` + name + `","role":"user","password":"correct horse battery","abilities":` + string(ab) + `,"devices":{"endpoints":` + string(eps) + `}}`
	if code, got := r.do("POST", "/api/v1/users", nil, body); code != 201 {
		r.tb.Fatalf("create user %s: %d %v", name, code, got)
	}
	resp, err := r.http.Post(r.base+"/api/v1/login", "application/json",
		strings.NewReader(`{"username":"`+name+`","password":"correct horse battery"}`))
	if err != nil {
		r.tb.Fatal(err)
	}
	defer resp.Body.Close()
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		r.tb.Fatalf("login %s: %d", name, resp.StatusCode)
	}
	return figUser{name: name, cookies: resp.Cookies(), csrf: login.CSRF}
}

// receipt is a call event read by a socket client, stamped when read.
type receipt struct {
	typ, id, state string
	pub            time.Time // when the hub published it (the frame's time)
	at             time.Time
}

// socket opens u's events socket on calls and hands every call event it
// reads to out until ctx ends.
func (r *figRig) socket(ctx context.Context, u figUser, out chan<- receipt, wg *sync.WaitGroup) {
	r.tb.Helper()
	h := http.Header{"Origin": {r.base}}
	for _, c := range u.cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.base, "http")+"/api/v1/events?topics=calls", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		r.tb.Fatalf("events socket of %s: %v", u.name, err)
	}
	conn.SetReadLimit(1 << 20)
	if _, _, err := conn.Read(ctx); err != nil { // welcome
		r.tb.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer conn.CloseNow()
		for {
			_, b, err := conn.Read(ctx)
			at := time.Now()
			if err != nil {
				return
			}
			var m struct {
				Op, Type string
				Time     time.Time
				Data     struct{ ID, State string }
			}
			if json.Unmarshal(b, &m) != nil || m.Op != "event" {
				continue
			}
			select {
			case out <- receipt{typ: m.Type, id: m.Data.ID, state: m.Data.State, pub: m.Time, at: at}:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// place places calls, perUser for each user, all at once (pace 0) or one
// every pace, and returns their ids.
func (r *figRig) place(perUser int, pace time.Duration) []string {
	r.tb.Helper()
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	errs := make(chan string, len(r.users)*perUser)
	for i := range r.users {
		for range perUser {
			if pace > 0 {
				time.Sleep(pace) // the driver's pace, not a wait for an event
			}
			wg.Add(1)
			go func(u *figUser) {
				defer wg.Done()
				code, got := r.do("POST", "/api/v1/calls", u, `{"to":"200"}`)
				if code != http.StatusAccepted {
					errs <- fmt.Sprintf("place as %s: %d %v", u.name, code, got)
					return
				}
				id, _ := got["id"].(string)
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}(&r.users[i])
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		r.tb.Fatal(e)
	}
	return ids
}

// await reads receipts until n of type typ (and state, when not empty)
// came, or 120 s pass; it returns every receipt read.
func await(tb testing.TB, in <-chan receipt, typ, state string, n int) []receipt {
	tb.Helper()
	var got []receipt
	deadline := time.NewTimer(120 * time.Second)
	defer deadline.Stop()
	for seen := 0; seen < n; {
		select {
		case rc := <-in:
			got = append(got, rc)
			if rc.typ == typ && (state == "" || rc.state == state) {
				seen++
			}
		case <-deadline.C:
			tb.Fatalf("%d of %d %s events after 120 s", seen, n, typ)
		}
	}
	return got
}

// hangUpFar hangs up the destinations of ids (the far end hangs up),
// one every pace.
func (r *figRig) hangUpFar(ids []string, pace time.Duration) {
	for _, id := range ids {
		if pace > 0 {
			time.Sleep(pace) // the driver's pace, not a wait for an event
		}
		if !r.srv.Hangup(id+"-far", 16) {
			r.tb.Fatalf("call %s: no destination channel to hang up", id)
		}
	}
}

// ariTimes indexes tapped ARI events by what the calls' events answer:
// "ring|<call>" the user's leg ringing, "answer|<call>" the destination
// answered (it enters the application), "end|<call>" the destination
// destroyed.
func ariTimes(evs []tapped) map[string]time.Time {
	out := map[string]time.Time{}
	for _, e := range evs {
		var ev struct {
			Type    string
			Channel struct{ ID, State string }
		}
		if json.Unmarshal(e.b, &ev) != nil {
			continue
		}
		var key string
		id := ev.Channel.ID
		switch {
		case ev.Type == "ChannelStateChange" && ev.Channel.State == "Ringing" && strings.HasSuffix(id, "-u1"):
			key = "ring|" + strings.TrimSuffix(id, "-u1")
		case ev.Type == "StasisStart" && strings.HasSuffix(id, "-far"):
			key = "answer|" + strings.TrimSuffix(id, "-far")
		case ev.Type == "ChannelDestroyed" && strings.HasSuffix(id, "-far"):
			key = "end|" + strings.TrimSuffix(id, "-far")
		default:
			continue
		}
		if _, ok := out[key]; !ok {
			out[key] = e.at
		}
	}
	return out
}

// receiptKey is the ariTimes key a call event answers ("" for none).
func receiptKey(rc receipt) string {
	switch {
	case rc.typ == "call_updated" && rc.state == "ringing":
		return "ring|" + rc.id
	case rc.typ == "call_answered":
		return "answer|" + rc.id
	case rc.typ == "call_ended":
		return "end|" + rc.id
	}
	return ""
}

// BenchmarkCallEventLatency200Calls: issue #19's figure "with 200
// concurrent calls on the stand-in, an event reaches the WebSocket client
// within 50 ms of Asterisk's event (p99)". One op: 50 users place 4
// click-to-calls each (200 calls), all at once ("burst"), or one every
// 5 ms ("paced-5ms": 200 calls a second) or 20 ms ("paced-20ms": 50 a
// second; 200 calls of 3 minutes on average start about one a second);
// their desks auto-answer, the destination answers; then every
// destination hangs up, at the same pace. Measured:
// from the stand-in sending an ARI event (the user's leg ringing, the
// destination entering the application on answer, the destination
// destroyed) to a socket client having read the matching call event
// (call_updated ringing, call_answered, call_ended), through the calls
// engine, the events hub and GET /api/v1/events. "supervisor": one socket
// of a user holding manage_callcenter gets every call's events;
// "50-users": each user's own socket gets their calls'. Reported: p50 and
// p99 over all three kinds of event, and p99 of each.
func BenchmarkCallEventLatency200Calls(b *testing.B) {
	for _, pace := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond} {
		name := "burst"
		if pace > 0 {
			name = "paced-" + pace.String()
		}
		b.Run(name+"/supervisor", func(b *testing.B) { benchCallEvents(b, true, pace) })
		b.Run(name+"/50-users", func(b *testing.B) { benchCallEvents(b, false, pace) })
	}
}

func benchCallEvents(b *testing.B, supervisor bool, pace time.Duration) {
	const users, perUser = 50, 4
	r := newFigRig(b, users)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	in := make(chan receipt, 1<<14)
	if supervisor {
		r.socket(ctx, r.sup, in, &wg)
	} else {
		for _, u := range r.users {
			r.socket(ctx, u, in, &wg)
		}
	}
	round := func() map[string][]time.Duration {
		r.tap.take()
		ids := r.place(perUser, pace)
		got := await(b, in, "call_answered", "", len(ids))
		r.hangUpFar(ids, pace)
		got = append(got, await(b, in, "call_ended", "", len(ids))...)
		ari := ariTimes(r.tap.take())
		lat := map[string][]time.Duration{}
		for _, rc := range got {
			k := receiptKey(rc)
			if k == "" {
				continue
			}
			t0, ok := ari[k]
			if !ok {
				b.Fatalf("%s: no ARI event stamped", k)
			}
			kind := k[:strings.IndexByte(k, '|')]
			lat[kind] = append(lat[kind], rc.at.Sub(t0))
			lat["engine"] = append(lat["engine"], rc.pub.Sub(t0))
			lat["delivery"] = append(lat["delivery"], rc.at.Sub(rc.pub))
		}
		return lat
	}
	round() // warm-up: connections, pools
	all := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for k, v := range round() {
			all[k] = append(all[k], v...)
		}
	}
	b.StopTimer()
	var every []time.Duration
	for _, kind := range []string{"ring", "answer", "end"} {
		every = append(every, all[kind]...)
		if len(all[kind]) > 0 {
			b.ReportMetric(pct(all[kind], 99), kind+"-p99-ms")
		}
	}
	b.ReportMetric(pct(every, 50), "p50-ms")
	b.ReportMetric(pct(every, 99), "p99-ms")
	// Where the time goes: Asterisk's event to the hub's publish (the ARI
	// socket and the calls engine), and publish to the client's read (the
	// hub and the events socket).
	b.ReportMetric(pct(all["engine"], 99), "engine-p99-ms")
	b.ReportMetric(pct(all["delivery"], 99), "delivery-p99-ms")
}

// pct is the p-th percentile of d in ms.
func pct(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return float64(s[min(len(s)*p/100, len(s)-1)].Microseconds()) / 1000
}

// BenchmarkCallsMemory1000: issue #19's figure "1 000 concurrent calls
// tracked: the daemon's memory grows ≤ 100 MB". One op: 100 users place
// 10 click-to-calls each, one every millisecond, and all 1 000 are held
// up (answered, bridged) while a supervisor's events socket follows them;
// the live heap (after a collection) and the goroutines' stacks are read
// before the first is placed
// and once all are up, then every destination hangs up. The stand-in runs
// in the same process: its share of the growth is told apart by the heap
// profile (allocations made under testlab/ari/fakeari) and reported
// apart. Reported per op: "daemon-MB" (the growth less the stand-in's:
// engine, ARI client, hub and its window, HTTP; the benchmark's own
// socket client is in it too), "standin-MB" and "total-MB".
func BenchmarkCallsMemory1000(b *testing.B) {
	const users, perUser = 100, 10
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 4096 // a finer sample for the split
	r := newFigRig(b, users)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	in := make(chan receipt, 1<<16)
	r.socket(ctx, r.sup, in, &wg)
	// Warm-up: 100 calls placed and ended (pools, connections, maps).
	warm := figRig{tb: b, srv: r.srv, base: r.base, http: r.http, users: r.users[:10], tap: r.tap}
	ids := warm.place(10, 0)
	await(b, in, "call_answered", "", len(ids))
	r.hangUpFar(ids, 0)
	await(b, in, "call_ended", "", len(ids))
	var daemon, standin, total float64
	b.ResetTimer()
	for range b.N {
		r.tap.take()
		before := liveHeap()
		ids := r.place(perUser, time.Millisecond)
		await(b, in, "call_answered", "", len(ids))
		r.tap.take()
		after := liveHeap()
		total += float64(after.total-before.total) / 1e6
		standin += (after.standin - before.standin) / 1e6
		daemon += (float64(after.total-before.total) - (after.standin - before.standin)) / 1e6
		r.hangUpFar(ids, 0)
		await(b, in, "call_ended", "", len(ids))
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(daemon/n, "daemon-MB")
	b.ReportMetric(standin/n, "standin-MB")
	b.ReportMetric(total/n, "total-MB")
}

// heapUse is the live heap: in all (runtime.MemStats.HeapAlloc after a
// collection, plus the goroutines' stacks) and the part the heap profile
// puts under the stand-in.
type heapUse struct {
	total   uint64
	standin float64
}

// liveHeap collects garbage and reads the live heap.
func liveHeap() heapUse {
	runtime.GC()
	runtime.GC() // the profile shows the heap as of the last completed cycle
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heapUse{total: ms.HeapAlloc + ms.StackInuse, standin: profiledBytes("/testlab/ari/fakeari.")}
}

// profiledBytes sums the in-use bytes of the heap profile's samples whose
// stack has a frame containing under, unsampled as pprof does
// (runtime/pprof's scaleHeapSample).
func profiledBytes(under string) float64 {
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 1); err != nil {
		return 0
	}
	rate := float64(runtime.MemProfileRate)
	var sum float64
	var objs, size float64
	match := false
	flush := func() {
		if match && objs > 0 && size > 0 {
			scale := 1.0
			if rate > 1 {
				scale = 1 / (1 - math.Exp(-(size/objs)/rate))
			}
			sum += size * scale
		}
		objs, size, match = 0, 0, false
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "#\t"):
			if strings.Contains(line, under) {
				match = true
			}
		case strings.Contains(line, "] @ "):
			flush()
			var ao, as int64
			var o, s int64
			if _, err := fmt.Sscanf(line, "%d: %d [%d: %d]", &o, &s, &ao, &as); err == nil {
				objs, size = float64(o), float64(s)
			}
		}
	}
	flush()
	return sum
}
