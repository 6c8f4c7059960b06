package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// ImportPhase is where an import is.
type ImportPhase string

// The phases of an import, in order; it ends done or failed.
const (
	// PhaseReceiving: the upload arrives (bytes_received of bytes_total).
	PhaseReceiving ImportPhase = "receiving"
	// PhaseValidating: every row is parsed and checked (rows_parsed);
	// nothing is written yet.
	PhaseValidating ImportPhase = "validating"
	// PhaseApplying: rows are written (rows_written of rows_total); other
	// writes to the directory wait.
	PhaseApplying ImportPhase = "applying"
	// PhasePublishing: every row is written; the store finishes its
	// indexes and publishes the new book at once.
	PhasePublishing ImportPhase = "publishing"
	// PhaseDone: the import was applied; result holds what it did.
	PhaseDone ImportPhase = "done"
	// PhaseFailed: nothing of the import was applied; error says why.
	PhaseFailed ImportPhase = "failed"
)

// ImportStatus is an import's progress, as GET
// /api/v1/contact-imports/{id} shows it. A page polls it while its upload
// request runs (about once a second); the upload's own answer is the
// result.
type ImportStatus struct {
	// ID is the import's id: the import_id the client chose, or one the
	// daemon made.
	ID string `json:"id" doc:"The import's id: the import_id the client chose, or one the daemon made" example:"console-3f2a9c1d"`
	// Mode is replace or merge.
	Mode string `json:"mode" doc:"replace or merge" example:"replace"`
	// Phase is receiving, validating, applying, publishing, done or failed.
	Phase ImportPhase `json:"phase" doc:"receiving, validating, applying, publishing, done or failed" example:"applying"`
	// BytesReceived counts the bytes of the upload received so far.
	BytesReceived int64 `json:"bytes_received" doc:"Bytes of the upload received so far" example:"5242880"`
	// BytesTotal is the upload's size when the client sent a
	// Content-Length, else 0.
	BytesTotal int64 `json:"bytes_total,omitempty" doc:"The upload's size, when the client sent a Content-Length" example:"5242880"`
	// RowsParsed counts the rows read in the current phase: checked while
	// validating, parsed for writing while applying.
	RowsParsed int64 `json:"rows_parsed" doc:"Rows read in the current phase: checked while validating, parsed for writing while applying" example:"46080"`
	// RowsWritten counts the rows handed to the store while applying.
	RowsWritten int64 `json:"rows_written" doc:"Rows written while applying" example:"45056"`
	// RowsTotal is the file's number of rows, known once it is validated.
	RowsTotal int64 `json:"rows_total,omitempty" doc:"The file's rows, known once it is validated" example:"100000"`
	// SecondsLeft estimates the time until the import is published, from
	// its progress so far; absent when there is no estimate yet
	// (receiving, validating, the first rows of applying) or it ended.
	SecondsLeft int64 `json:"seconds_left,omitempty" doc:"Estimated seconds until the import is published (applying, publishing); absent without an estimate" example:"29"`
	// StartedAt is when the upload began; FinishedAt when it ended.
	StartedAt  time.Time `json:"started_at" doc:"When the upload began" example:"2026-12-07T08:15:00Z"`
	FinishedAt time.Time `json:"finished_at,omitzero" doc:"When the import ended (absent while it runs)" example:"2026-12-07T08:15:42Z"`
	// Result is what a done import did (warnings cut to the first 100).
	Result *ImportResult `json:"result,omitempty" doc:"What a done import did: its answer, warnings cut to the first 100"`
	// Error is why a failed import was not applied (the upload's answer).
	Error *platform.ErrorDetail `json:"error,omitempty" doc:"Why a failed import was not applied: its answer's error"`
}

// ImportList is the body of GET /api/v1/contact-imports.
type ImportList struct {
	// Imports are those in progress and the last finished ones, newest
	// first.
	Imports []ImportStatus `json:"imports" doc:"The imports in progress and the last 20 finished, newest first"`
}

// keepFinished is how many finished imports the status resource keeps.
const keepFinished = 20

// keptWarnings bounds the warnings kept in a finished import's status.
const keptWarnings = 100

// The publishing phase's length as a share of the applying phase's, by
// the way the import is applied (measured with 100 000 rows): a first
// import into an empty CSV book, or a replace, is loaded, and the store
// then sorts and writes its tables and indexes (about 0.8 of the applying
// time); a merge into a book that has contacts writes as it goes and
// publishes in a commit.
const (
	publishShareLoad = 0.8
	publishShareBulk = 0.05
)

// importIDPattern is what a client-chosen import_id may be.
var importIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// importRun is one import's live progress: counters written by the
// import's goroutines without locks, the rest under mu.
type importRun struct {
	id, mode          string
	bytes, bytesTotal atomic.Int64
	parsed, written   atomic.Int64
	total             atomic.Int64
	mu                sync.Mutex
	phase             ImportPhase
	started, phaseAt  time.Time
	applyTook         time.Duration // how long applying took, once publishing
	finished          time.Time
	result            *ImportResult
	err               *platform.ErrorDetail
	now               func() time.Time
	afterChunk        func() // after each chunk of rows is written (the test hook)
	// the first chunk written: when (Unix ns) and its rows, so that the
	// rate of writing leaves out what precedes it (reading the book
	// being replaced)
	firstAt, firstRows atomic.Int64
	publishShare       float64 // under mu
}

// setPhase moves the run to p; nil-safe.
func (ir *importRun) setPhase(p ImportPhase) {
	if ir == nil {
		return
	}
	now := ir.now()
	ir.mu.Lock()
	defer ir.mu.Unlock()
	if p == PhasePublishing && ir.phase == PhaseApplying {
		ir.applyTook = now.Sub(ir.phaseAt)
	}
	ir.phase, ir.phaseAt = p, now
	if p == PhaseApplying {
		ir.parsed.Store(0)
	}
}

// setParsed, addWritten count rows; nil-safe.
func (ir *importRun) setParsed(n int64) {
	if ir != nil {
		ir.parsed.Store(n)
	}
}

func (ir *importRun) addWritten(n int64) {
	if ir == nil {
		return
	}
	if ir.written.Add(n) == n {
		ir.firstRows.Store(n)
		ir.firstAt.Store(ir.now().UnixNano())
	}
}

// setPublishShare says how the import is applied (publishShareLoad or
// publishShareBulk); nil-safe.
func (ir *importRun) setPublishShare(f float64) {
	if ir != nil {
		ir.mu.Lock()
		ir.publishShare = f
		ir.mu.Unlock()
	}
}

// chunkWritten calls the test hook after a chunk; nil-safe.
func (ir *importRun) chunkWritten() {
	if ir != nil && ir.afterChunk != nil {
		ir.afterChunk()
	}
}

// left estimates the time until the run is published: while applying,
// the rows left at the rate of writing so far (from the first chunk
// written on, once there are two; from the phase's start before), plus
// publishing (publishShare of the whole applying time); while publishing,
// what remains of that share, at least a second. ok is false without an
// estimate.
func (ir *importRun) left(now time.Time) (d time.Duration, ok bool) {
	ir.mu.Lock()
	phase, at, applyTook, share := ir.phase, ir.phaseAt, ir.applyTook, ir.publishShare
	ir.mu.Unlock()
	switch phase {
	case PhaseApplying:
		written, total := ir.written.Load(), ir.total.Load()
		if written <= 0 || total <= 0 {
			return 0, false
		}
		from, base := at, int64(0)
		if first := ir.firstRows.Load(); written > first {
			from, base = time.Unix(0, ir.firstAt.Load()), first
		}
		el := now.Sub(from)
		rest := time.Duration(float64(el) * float64(total-written) / float64(written-base))
		whole := now.Sub(at) + rest
		return max(rest, 0) + time.Duration(share*float64(whole)), true
	case PhasePublishing:
		rest := time.Duration(share*float64(applyTook)) - now.Sub(at)
		return max(rest, time.Second), true
	}
	return 0, false
}

// status is the run's ImportStatus at now.
func (ir *importRun) status(now time.Time) ImportStatus {
	st := ImportStatus{ID: ir.id, Mode: ir.mode, BytesReceived: ir.bytes.Load(), BytesTotal: ir.bytesTotal.Load(),
		RowsParsed: ir.parsed.Load(), RowsWritten: ir.written.Load(), RowsTotal: ir.total.Load()}
	if d, ok := ir.left(now); ok {
		st.SecondsLeft = int64(math.Ceil(d.Seconds()))
	}
	ir.mu.Lock()
	defer ir.mu.Unlock()
	st.Phase, st.StartedAt, st.FinishedAt, st.Error = ir.phase, ir.started, ir.finished, ir.err
	if ir.result != nil {
		res := *ir.result
		if len(res.Warnings) > keptWarnings {
			res.Warnings = res.Warnings[:keptWarnings]
		}
		st.Result = &res
	}
	return st
}

// importRuns holds the imports in progress and the last finished ones.
type importRuns struct {
	mu       sync.Mutex
	byID     map[string]*importRun
	finished []string // oldest first
}

// start registers a run; id "" makes one. It fails when id is taken.
func (rs *importRuns) start(id, mode string, size int64, now func() time.Time) (*importRun, error) {
	if id == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byID == nil {
		rs.byID = map[string]*importRun{}
	}
	if _, taken := rs.byID[id]; taken {
		return nil, &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict,
			Message: fmt.Sprintf("import_id %q: an import of that id is in progress or recent; choose another", id),
			Details: []platform.FieldError{{Field: "import_id", Message: "already used"}}}
	}
	t := now()
	ir := &importRun{id: id, mode: mode, phase: PhaseReceiving, started: t, phaseAt: t, now: now}
	if size > 0 {
		ir.bytesTotal.Store(size)
	}
	rs.byID[id] = ir
	return ir, nil
}

// finish ends a run with its result or error and keeps it among the last
// keepFinished.
func (rs *importRuns) finish(ir *importRun, res *ImportResult, errd *platform.ErrorDetail, now time.Time) {
	ir.mu.Lock()
	ir.finished, ir.result, ir.err = now, res, errd
	ir.phase, ir.phaseAt = PhaseDone, now
	if errd != nil {
		ir.phase = PhaseFailed
	}
	ir.mu.Unlock()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.finished = append(rs.finished, ir.id)
	for len(rs.finished) > keepFinished {
		delete(rs.byID, rs.finished[0])
		rs.finished = rs.finished[1:]
	}
}

// get returns the status of run id.
func (rs *importRuns) get(id string, now time.Time) (ImportStatus, bool) {
	rs.mu.Lock()
	ir, ok := rs.byID[id]
	rs.mu.Unlock()
	if !ok {
		return ImportStatus{}, false
	}
	return ir.status(now), true
}

// list returns every run's status, newest first.
func (rs *importRuns) list(now time.Time) []ImportStatus {
	rs.mu.Lock()
	runs := make([]*importRun, 0, len(rs.byID))
	for _, ir := range rs.byID {
		runs = append(runs, ir)
	}
	rs.mu.Unlock()
	out := make([]ImportStatus, len(runs))
	for i, ir := range runs {
		out[i] = ir.status(now)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartedAt.Equal(out[j].StartedAt) {
			return out[i].StartedAt.After(out[j].StartedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// busyFor is the longest estimated time left of the imports holding the
// directory (applying or publishing), with a description of the one that
// takes longest; ok is false when none holds it or none has an estimate.
func (rs *importRuns) busyFor(now time.Time) (d time.Duration, about string, ok bool) {
	for _, st := range rs.list(now) {
		if st.Phase != PhaseApplying && st.Phase != PhasePublishing || st.SecondsLeft <= 0 {
			continue
		}
		if left := time.Duration(st.SecondsLeft) * time.Second; !ok || left > d {
			d, ok = left, true
			about = busyAbout(st)
		}
	}
	return d, about, ok
}

// busyAbout describes an import holding the directory, for the answer to
// a write it makes wait.
func busyAbout(st ImportStatus) string {
	return fmt.Sprintf("CSV import %s is %s (%d of %d rows written)", st.ID, st.Phase, st.RowsWritten, st.RowsTotal)
}

// retryAfter renders d as whole seconds for a Retry-After header, at
// least 1 and at most an hour.
func retryAfter(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	return strconv.FormatInt(min(max(s, 1), 3600), 10)
}

func (im *Imports) getImport(w http.ResponseWriter, r *http.Request) {
	st, ok := im.runs.get(r.PathValue("id"), im.now())
	if !ok {
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound,
			fmt.Sprintf("no import %q in progress or among the last %d", clipID(r.PathValue("id")), keepFinished),
			[]platform.FieldError{{Field: "id", Message: "unknown import"}})
		return
	}
	platform.WriteJSON(w, http.StatusOK, st)
}

func (im *Imports) listImports(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, ImportList{Imports: im.runs.list(im.now())})
}

// clipID shortens an id quoted in a message.
func clipID(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
