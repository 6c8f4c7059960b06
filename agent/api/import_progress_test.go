package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/prometheus/client_golang/prometheus"
)

// csvRows makes n valid Central Phone Book rows with distinct numbers.
func csvRows(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Person,,N%05d,,,mobile:+3876100%05d\n", i, i)
	}
	return b.String()
}

// statusOf reads GET /api/v1/contact-imports/{id}.
func statusOf(t *testing.T, im *Imports, id string) (int, ImportStatus) {
	t.Helper()
	r := httptest.NewRequest("GET", "/api/v1/contact-imports/"+id, nil)
	r.SetPathValue("id", id)
	w := httptest.NewRecorder()
	im.getImport(w, r)
	var st ImportStatus
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
	}
	return w.Code, st
}

// An import reports its apply phase while it runs (rows parsed, written,
// total), a write it holds up is told how long is left, and its status
// ends with its result.
func TestImportProgressAndBusyEstimate(t *testing.T) {
	st := openTestStore(t, "BA")
	vc := clock.NewVirtual(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	held, release := make(chan struct{}), make(chan struct{})
	var once, unblock sync.Once
	t.Cleanup(func() { unblock.Do(func() { close(release) }) }) // a failed check must not leave the import held
	im := NewImports(st, t.TempDir(), WithImportsClock(vc), WithImportHook(func(ctx context.Context, s ImportStage) {
		if s == StageChunkWritten {
			once.Do(func() {
				close(held)
				<-release
			})
		}
	}))
	ct := NewContacts(st, prometheus.NewRegistry())
	NewComponent(ct, im)
	ct.writeWait = 20 * time.Millisecond // a write gives up at once instead of after 5 s

	const rows = 3000
	body := csvRows(rows)
	answer := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		r := httptest.NewRequest("POST", "/api/v1/contacts/import?mode=merge&import_id=big-1", strings.NewReader(body))
		w := httptest.NewRecorder()
		im.importCSV(w, r)
		answer <- w
	}()
	select {
	case <-held:
	case w := <-answer:
		t.Fatalf("the import ended before its first chunk was written: %d %s", w.Code, w.Body)
	}
	vc.Advance(10 * time.Second) // 10 s to write the first chunk

	code, s := statusOf(t, im, "big-1")
	if code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	// 1024 of 3000 rows in 10 s: 29.3 s of applying in all, 19.3 left,
	// and publishing a first load 80 % of applying (23.4 s): 42.7 s,
	// rounded up.
	want := ImportStatus{ID: "big-1", Mode: "merge", Phase: PhaseApplying, BytesReceived: int64(len(body)), RowsWritten: importChunkRows,
		RowsTotal: rows, SecondsLeft: 43}
	if s.ID != want.ID || s.Mode != want.Mode || s.Phase != want.Phase || s.BytesReceived != want.BytesReceived ||
		s.RowsWritten != want.RowsWritten || s.RowsTotal != want.RowsTotal || s.SecondsLeft != want.SecondsLeft ||
		s.RowsParsed < importChunkRows || s.RowsParsed > rows || s.Result != nil {
		t.Fatalf("status while applying:\n got %+v\nwant %+v (rows_parsed 1024–3000)", s, want)
	}

	// A write meanwhile is told how long the import has left.
	r := httptest.NewRequest("POST", "/api/v1/contacts", strings.NewReader(`{"first_name":"Late"}`))
	r = r.WithContext(platform.WithPrincipal(r.Context(), accessPrincipals["admin"]))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	ct.create(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "43" {
		t.Fatalf("write during the import: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	e := errorOf(t, w)
	if !strings.Contains(e.Message, "CSV import big-1 is applying (1024 of 3000 rows written); about 43 s left") ||
		len(e.Details) != 2 || e.Details[1].Field != "seconds_left" || e.Details[1].Message != "43" {
		t.Fatalf("busy answer %+v", e)
	}

	unblock.Do(func() { close(release) })
	w = <-answer
	if w.Code != http.StatusOK {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	code, s = statusOf(t, im, "big-1")
	if code != http.StatusOK || s.Phase != PhaseDone || s.Result == nil || s.Result.Created != rows || s.Result.ID != "big-1" ||
		s.RowsWritten != rows || s.RowsParsed != rows || s.SecondsLeft != 0 || s.FinishedAt.IsZero() {
		t.Fatalf("status once done: %d %+v", code, s)
	}
}

// The status of imports that failed, the list, and the import_id rules.
func TestImportStatusEnds(t *testing.T) {
	st := openTestStore(t, "BA")
	im := NewImports(st, t.TempDir())
	for _, tc := range []struct {
		name, query, body string
		code              int
		phase             ImportPhase
		id                string // the id to read back ("" none)
	}{
		{name: "done", query: "mode=merge&import_id=a.1", body: csvRows(3), code: 200, phase: PhaseDone, id: "a.1"},
		{name: "malformed", query: "mode=merge&import_id=b_2", body: "Broken,,Row\n", code: 400, phase: PhaseFailed, id: "b_2"},
		{name: "id in use", query: "mode=merge&import_id=a.1", body: csvRows(1), code: 409},
		{name: "bad id", query: "mode=merge&import_id=a/b", body: csvRows(1), code: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := importFile(t, im, tc.query, tc.body)
			if w.Code != tc.code {
				t.Fatalf("import: %d %s", w.Code, w.Body)
			}
			if tc.id == "" {
				field := errorOf(t, w).Details[0].Field
				if field != "import_id" {
					t.Fatalf("error names %q, want import_id", field)
				}
				return
			}
			code, s := statusOf(t, im, tc.id)
			if code != 200 || s.Phase != tc.phase || (tc.phase == PhaseFailed) != (s.Error != nil) || (tc.phase == PhaseDone) != (s.Result != nil) {
				t.Fatalf("status: %d %+v", code, s)
			}
			if s.Error != nil && (s.Error.Code != "invalid" || len(s.Error.Details) == 0 || !strings.HasPrefix(s.Error.Details[0].Field, "line 1")) {
				t.Fatalf("failed status error %+v", s.Error)
			}
		})
	}
	w := httptest.NewRecorder()
	im.listImports(w, httptest.NewRequest("GET", "/api/v1/contact-imports", nil))
	var l ImportList
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || len(l.Imports) != 2 {
		t.Fatalf("list: %v %s", err, w.Body)
	}
	if code, _ := statusOf(t, im, "nope"); code != http.StatusNotFound {
		t.Fatalf("unknown import: %d", code)
	}
	// Only the last keepFinished are kept.
	for i := range keepFinished {
		if w := importFile(t, im, "mode=merge&import_id=k"+strconv.Itoa(i), csvRows(1)); w.Code != 200 {
			t.Fatalf("import %d: %d %s", i, w.Code, w.Body)
		}
	}
	if code, _ := statusOf(t, im, "a.1"); code != http.StatusNotFound {
		t.Fatalf("the oldest import is still kept: %d", code)
	}
}

// The estimate leaves out what precedes the first chunk written (reading
// the book a replace compares with) and covers publishing.
func TestImportEstimate(t *testing.T) {
	vc := clock.NewVirtual(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	ir := &importRun{now: vc.Now, phase: PhaseValidating}
	ir.total.Store(10240)
	ir.setPublishShare(publishShareBulk)
	ir.setPhase(PhaseApplying)
	steps := []struct {
		name    string
		advance time.Duration
		write   int64
		phase   ImportPhase
		want    time.Duration // 0: no estimate
	}{
		{name: "nothing written yet", advance: 5 * time.Second},
		// one chunk in 5 s, counted from the phase's start: 45 s more, then
		// 5 % of 50 s publishing
		{name: "first chunk", write: 1024, want: 45*time.Second + 2500*time.Millisecond},
		// the second chunk 2 s later: 8192 rows at 512 a second, 16 s,
		// then 5 % of 7 + 16 s
		{name: "second chunk", advance: 2 * time.Second, write: 1024, want: 16*time.Second + 1150*time.Millisecond},
		// publishing after 9 s of applying: 5 % of 9 s is under a second
		{name: "publishing", advance: 2 * time.Second, write: 8192, phase: PhasePublishing, want: time.Second},
		{name: "done", phase: PhaseDone},
	}
	for _, st := range steps {
		vc.Advance(st.advance)
		ir.addWritten(st.write)
		if st.phase != "" {
			ir.setPhase(st.phase)
		}
		got, ok := ir.left(vc.Now())
		if ok != (st.want > 0) || (ok && (got-st.want).Abs() > time.Millisecond) {
			t.Fatalf("%s: left %v (%v), want %v", st.name, got, ok, st.want)
		}
	}
}
