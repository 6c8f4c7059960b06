package chat

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// Test users.
const (
	alice = "01jeq7h2b3c4d5e6f7g8h9j0ka"
	bob   = "01jeq7h2b3c4d5e6f7g8h9j0kb"
	carol = "01jeq7h2b3c4d5e6f7g8h9j0kc"
	dave  = "01jeq7h2b3c4d5e6f7g8h9j0kd"
)

// people are the test users.
var people = map[string]Person{
	alice: {ID: alice, Username: "alice", Name: "Alice", Extensions: []string{"101"}, Endpoints: []string{"PJSIP/101"}},
	bob:   {ID: bob, Name: "Bob", Extensions: []string{"102"}, Endpoints: []string{"PJSIP/102"}},
	carol: {ID: carol, Name: "Carol", Extensions: []string{"103"}, Endpoints: []string{"PJSIP/103"}},
	dave:  {ID: dave, Name: "Dave", Extensions: []string{"104"}},
}

type testUsers struct{}

func (testUsers) People(context.Context) []Person {
	return []Person{people[alice], people[bob], people[carol], people[dave]}
}

func (testUsers) Person(_ context.Context, id string) (Person, bool) {
	p, ok := people[id]
	return p, ok
}

// kv is one namespace of a store.
type kv struct {
	phonebook.RangeKV
	batch phonebook.BatchKV
}

func (k kv) WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error {
	return k.batch.WriteBatch(ctx, puts, deletes)
}

func openStore(t testing.TB, dir string) *phonebook.Store {
	t.Helper()
	num, err := number.New(number.Config{DefaultRegion: "CH"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, Numbering: num.Numbering(), MemoryBudget: 16 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func storeKV(s *phonebook.Store) KV {
	return kv{RangeKV: s.MetaRange("chat"), batch: s.MetaBatch("chat")}
}

// recorder keeps the events published.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Publish(_ context.Context, ev events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return nil
}

func (r *recorder) take() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

type env struct {
	s   *Service
	clk *clock.Virtual
	pub *recorder
	st  *phonebook.Store
}

func newEnv(t testing.TB, cfg Config, opts ...Option) *env {
	t.Helper()
	st := openStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	pub := &recorder{}
	s, err := New(storeKV(st), testUsers{}, cfg, append([]Option{WithClock(clk), WithPublisher(pub)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{s: s, clk: clk, pub: pub, st: st}
}

func (e *env) direct(t testing.TB, a, b string) string {
	t.Helper()
	v, _, err := e.s.CreateRoom(context.Background(), a, CreateRoomRequest{Members: []string{b}})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func (e *env) send(t testing.TB, uid, room, text string) Message {
	t.Helper()
	m, _, err := e.s.Send(context.Background(), uid, room, SendRequest{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// status is err's HTTP status (200 for nil).
func status(err error) int {
	if err == nil {
		return 200
	}
	rec := httptest.NewRecorder()
	writeErr(rec, httptest.NewRequest("GET", "/", nil), err)
	return rec.Code
}

// call serves one request as user uid.
func call(t testing.TB, h http.Handler, uid, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(platform.WithPrincipal(req.Context(), platform.Principal{Kind: platform.KindSession, UserID: uid, Role: platform.RoleUser}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
