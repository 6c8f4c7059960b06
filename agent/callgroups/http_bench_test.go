package callgroups

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// benchRig is a fake service with groups of members and callers waiting.
func benchRig(b *testing.B, groups, members, waiting int) http.Handler {
	b.Helper()
	f := newHTTPFake()
	for g := 0; g < groups; g++ {
		id := fmt.Sprintf("g%d", g)
		f.groups[id] = Group{ID: id, Name: id, Strategy: RingAll}
		for m := 0; m < members; m++ {
			f.members[id] = append(f.members[id], MemberView{Member: Member{UserID: fmt.Sprintf("u%d", m)}, Name: "Member", State: StateAvailable})
		}
		for w := 0; w < waiting; w++ {
			f.waiting[id] = append(f.waiting[id], WaitingCall{ID: fmt.Sprintf("c%d-%d", g, w), GroupID: id, CallerNumber: "+41445551234",
				Position: w + 1, EnteredAt: apiT0.Add(-time.Duration(w) * time.Second), Ringing: []string{}})
		}
	}
	mux := http.NewServeMux()
	for _, rt := range NewHandler(f).Routes() {
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	return mux
}

func benchGet(b *testing.B, h http.Handler, path string, p platform.Principal) {
	b.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/answer")
}

// BenchmarkHTTPGroupView: GET /api/v1/callgroups/{id} of a group of 100
// members with 500 callers waiting (the 500 at once), as a
// supervisor.
func BenchmarkHTTPGroupView(b *testing.B) {
	benchGet(b, benchRig(b, 1, 100, 500), "/api/v1/callgroups/g0", apiSuper)
}

// BenchmarkHTTPList: GET /api/v1/callgroups of 20 groups of 50 members
// with 25 callers waiting each, as a supervisor (every group).
func BenchmarkHTTPList(b *testing.B) {
	benchGet(b, benchRig(b, 20, 50, 25), "/api/v1/callgroups", apiSuper)
}
