package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// ConfirmReplaceMessage is the 409 answer to a replacing import without
// confirm=true.
const ConfirmReplaceMessage = "CSV upload will delete existing records. Do you want to proceed?"

// Imports serves CSV import, export and template.
type Imports struct {
	store  *phonebook.Store
	tmpDir string
	log    *slog.Logger
	slots  chan struct{} // one per import in progress
	hook   func(context.Context, ImportStage)
	after  func() // when the last import in progress ends
	clock  clock.Clock
	runs   importRuns // progress of the imports in progress and the last ones
	// sourceName resolves a sync source's id to the name its contacts
	// carry (WithSourceNames, through NewComponent); nil: none.
	sourceName func(id string) (string, bool)

	mu      sync.Mutex
	stopCtx context.Context // ended by Stop, under mu
	stop    context.CancelFunc
	running int           // imports in progress, under mu
	idle    chan struct{} // closed when running drops to 0; nil while Stop does not wait
}

// NewImports returns the CSV endpoints; uploads are spooled in tmpDir
// (files named after SpoolPattern), and at most DefaultMaxImports imports
// run at once unless WithMaxImports says otherwise.
func NewImports(store *phonebook.Store, tmpDir string, opts ...ImportsOption) *Imports {
	im := &Imports{store: store, tmpDir: tmpDir, log: slog.Default(), slots: make(chan struct{}, DefaultMaxImports), clock: clock.Real{}}
	for _, o := range opts {
		o(im)
	}
	im.stopCtx, im.stop = context.WithCancel(context.Background())
	return im
}

// ImportResult is the answer to a successful import.
type ImportResult struct {
	ID                string                  `json:"id,omitempty" doc:"The import's id: GET /api/v1/contact-imports/{id} gives its progress while it runs and this result after" example:"cli-3f2a9c1d7e5b4a60"`
	Format            string                  `json:"format" doc:"The CSV format detected: central-phone-book (no header row), google or outlook (recognised by the header row)" example:"central-phone-book"`
	FormatDescription string                  `json:"format_description" doc:"Which format was detected and how, in words" example:"Central Phone Book (no header row)"`
	Mode              string                  `json:"mode" doc:"replace (the CSV-managed contacts become the file's) or merge" example:"replace"`
	Rows              int                     `json:"rows" doc:"Data rows read" example:"1200"`
	Created           int                     `json:"created" doc:"Contacts created" example:"40"`
	Updated           int                     `json:"updated" doc:"Contacts changed" example:"12"`
	Unchanged         int                     `json:"unchanged" doc:"Contacts the file left as they were" example:"1148"`
	Deleted           int                     `json:"deleted" doc:"CSV-managed contacts removed because the file no longer has them (replace)" example:"5"`
	SkippedColumns    []csvbook.SkippedColumn `json:"skipped_columns,omitempty" doc:"Header columns (Google, Outlook) that map to no contact field and held values, which were not imported"`
	Warnings          []csvbook.Problem       `json:"warnings,omitempty" doc:"Values or rows skipped, with their line (at most 10 000)"`
	WarningsTotal     int                     `json:"warnings_total,omitempty" doc:"All the warnings, listed or not" example:"3"`
}

// now is the imports' clock's time.
func (im *Imports) now() time.Time { return im.clock.Now() }

func (im *Imports) importCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("import_id")
	if id != "" && !importIDPattern.MatchString(id) {
		platform.WriteErr(w, r, platform.Invalid("import_id: 1 to 64 letters, digits, '.', '_' or '-'",
			platform.FieldError{Field: "import_id", Message: "1 to 64 letters, digits, '.', '_' or '-'"}))
		return
	}
	mode := q.Get("mode")
	if mode == "" {
		mode = "replace"
	}
	if mode != "replace" && mode != "merge" {
		platform.WriteErr(w, r, platform.Invalid("mode: must be replace or merge", platform.FieldError{Field: "mode", Message: "must be replace or merge"}))
		return
	}
	if mode == "replace" && q.Get("confirm") != "true" {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, ConfirmReplaceMessage,
			[]platform.FieldError{{Field: "confirm", Message: "add confirm=true to replace every contact imported from CSV"}})
		return
	}
	if !im.enter() {
		writeStopping(w, r)
		return
	}
	defer im.leave() // last: Stop waits for it
	release, ok := im.acquire()
	if !ok {
		im.writeTooManyImports(w, r, cap(im.slots))
		return
	}
	defer im.settle(w) // after release
	defer release()
	run, err := im.runs.start(id, mode, r.ContentLength, im.now)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	cw := &captureWriter{ResponseWriter: w}
	w = cw
	defer func() { im.runs.finish(run, cw.result, cw.errorDetail(), im.now()) }()
	ctx, done := im.cancelOnStop(w, r)
	defer done()
	if im.hook != nil {
		run.afterChunk = func() { im.reach(ctx, StageChunkWritten) }
	}
	res, err := im.importUpload(ctx, r.Body, mode == "replace", run)
	if err != nil {
		var pe *csvbook.ParseError
		var ve *phonebook.ValidationError
		switch {
		case stoppedBy(ctx):
			im.log.Info("csv import cancelled: the daemon is stopping", "mode", mode)
			writeStopping(w, r)
		case r.Context().Err() != nil:
			// The client went away mid-upload: nothing was imported and
			// nobody reads an answer; not a server fault.
			im.log.Debug("csv import abandoned by the client", "mode", mode, "err", err)
			platform.WriteError(w, r, http.StatusBadRequest, platform.CodeBadRequest, "the upload ended before it was complete", nil)
		case errors.As(err, &pe):
			platform.WriteErr(w, r, platform.Invalid(pe.Error(), parseDetails(pe)...))
		case errors.As(err, &ve):
			platform.WriteErr(w, r, platform.Invalid(ve.Error(), fieldErrors(ve.Fields)...))
		default:
			writeErr(w, r, err)
		}
		return
	}
	res.Mode, res.ID = mode, run.id
	cw.result = &res
	platform.WriteJSON(w, http.StatusOK, res)
}

// captureWriter keeps what an import answered for its status resource:
// the result, or the error body (at most 64 KiB of it).
type captureWriter struct {
	http.ResponseWriter
	code   int
	body   []byte
	result *ImportResult
}

// WriteHeader implements http.ResponseWriter.
func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	if c.code >= 400 && len(c.body) < 64<<10 {
		c.body = append(c.body, b[:min(len(b), 64<<10-len(c.body))]...)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// errorDetail is the error the import answered, or nil after a success.
func (c *captureWriter) errorDetail() *platform.ErrorDetail {
	if c.result != nil {
		return nil
	}
	var b platform.ErrorBody
	if json.Unmarshal(c.body, &b) != nil || b.Error.Code == "" {
		code := c.code
		if code == 0 {
			code = http.StatusInternalServerError
		}
		return &platform.ErrorDetail{Code: platform.CodeUnavailable, Message: fmt.Sprintf("the import ended with HTTP status %d", code), Details: []platform.FieldError{}}
	}
	return &b.Error
}

// countingReader counts the bytes read into n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

// Read implements io.Reader.
func (c countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// importUpload spools body, validates it whole and applies it. Every
// read goes through ctx: when ctx ends the import stops where it is and
// nothing of it is applied. The spool file is removed on every return.
func (im *Imports) importUpload(ctx context.Context, body io.Reader, replace bool, run *importRun) (ImportResult, error) {
	f, err := os.CreateTemp(im.tmpDir, SpoolPattern)
	if err != nil {
		return ImportResult{}, fmt.Errorf("spool upload: %w", err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, countingReader{ctxReader{ctx, body}, &run.bytes}); err != nil {
		return ImportResult{}, fmt.Errorf("spool upload: %w", err)
	}
	im.reach(ctx, StageSpooled)
	run.setPhase(PhaseValidating)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ImportResult{}, fmt.Errorf("spool upload: %w", err)
	}
	rows, err := validateCSV(ctxReader{ctx, f}, run)
	if err != nil {
		return ImportResult{}, err
	}
	run.total.Store(int64(rows))
	im.reach(ctx, StageValidated)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ImportResult{}, fmt.Errorf("spool upload: %w", err)
	}
	run.setPhase(PhaseApplying)
	return importCSV(ctx, im.store, ctxReader{ctx, f}, replace, run)
}

// validateCSV reads the whole file, checking every row against the
// contact rules, and counts the rows parsed in run as it goes; it returns
// the number of rows, or the *csvbook.ParseError listing every bad one.
func validateCSV(r io.Reader, run *importRun) (int, error) {
	rd := csvbook.NewReader(r, csvbook.WithCheck(phonebook.CheckContact))
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			run.setParsed(int64(rd.Rows()))
			return rd.Rows(), nil
		}
		if err != nil {
			return rd.Rows(), err
		}
		if n := rd.Rows(); n%256 == 0 {
			run.setParsed(int64(n))
		}
	}
}

// reach calls the test hook, if any, and fails nothing.
func (im *Imports) reach(ctx context.Context, stage ImportStage) {
	if im.hook != nil {
		im.hook(ctx, stage)
	}
}

// importChunk is a run of parsed rows with their numbers already indexed.
type importChunk struct {
	contacts []*phonebook.Contact
	lines    []int
	numbers  phonebook.NumberIndex
	err      error
}

const importChunkRows = 1024

// readChunks parses the CSV and normalises numbers in its own goroutine, so
// parsing and number normalisation overlap with the store's writes; it
// counts the rows parsed in run. It stops when done closes.
func readChunks(store *phonebook.Store, rd *csvbook.Reader, out chan<- importChunk, done <-chan struct{}, run *importRun) {
	defer close(out)
	send := func(ch importChunk) bool {
		select {
		case out <- ch:
			return true
		case <-done:
			return false
		}
	}
	for {
		ch := importChunk{}
		for len(ch.contacts) < importChunkRows {
			c, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				ch.err = err
				break
			}
			ch.contacts = append(ch.contacts, c)
			ch.lines = append(ch.lines, rd.Line())
		}
		ch.numbers = store.IndexNumbers(ch.contacts)
		run.setParsed(int64(rd.Rows()))
		if !send(ch) || ch.err != nil || len(ch.contacts) < importChunkRows {
			return
		}
	}
}

// ImportCSV applies a CSV file as one atomic bulk operation. Each row is
// keyed by its folded name and company (with an occurrence number for
// repeats), so importing the same file again keeps ids and rewrites
// nothing; replace also deletes the CSV contacts the file no longer has.
// Into an empty CSV source (a first import) the rows are loaded with
// Store.Load, which writes every key once, already sorted, and a replace
// with Store.Replace, the same load deleting the old book's keys in the
// same step; a merge into a CSV source that has contacts goes through
// Store.Bulk.
func ImportCSV(ctx context.Context, store *phonebook.Store, r io.Reader, replace bool) (ImportResult, error) {
	return importCSV(ctx, store, r, replace, nil)
}

// importCSV is ImportCSV reporting its progress in run (nil: none).
func importCSV(ctx context.Context, store *phonebook.Store, r io.Reader, replace bool, run *importRun) (ImportResult, error) {
	rd := csvbook.NewReader(r)
	var res ImportResult
	run.setPublishShare(publishShareLoad)
	load := store.Load
	if replace {
		load = store.Replace
	}
	st, err := load(ctx, phonebook.SourceCSV, func(l *phonebook.Loader) error {
		err := importRows(store, rd, run, l.UseNumbers, func(c *phonebook.Contact) error {
			_, err := l.Add(c)
			return err
		})
		if err == nil {
			run.setPhase(PhasePublishing)
		}
		return err
	})
	if errors.Is(err, phonebook.ErrSourceNotEmpty) {
		run.setPublishShare(publishShareBulk)
		st, err = importBulk(ctx, store, rd, run)
	}
	if err != nil {
		return res, fmt.Errorf("import csv: %w", err)
	}
	res.Format, res.FormatDescription = rd.Format().String(), rd.Format().Describe()
	res.Rows = rd.Rows()
	res.Warnings, res.WarningsTotal = rd.Warnings(), rd.WarningsTotal()
	res.SkippedColumns = rd.SkippedColumns()
	res.Created, res.Updated, res.Unchanged, res.Deleted = st.Created, st.Updated, st.Unchanged, st.Deleted
	return res, nil
}

// importBulk merges the rows into a CSV source that has contacts.
func importBulk(ctx context.Context, store *phonebook.Store, rd *csvbook.Reader, run *importRun) (phonebook.BulkStats, error) {
	return store.Bulk(ctx, func(b *phonebook.Batch) error {
		if err := b.LoadSource(phonebook.SourceCSV); err != nil {
			return err
		}
		err := importRows(store, rd, run, b.UseNumbers, func(c *phonebook.Contact) error {
			_, _, err := b.UpsertFromSource(c)
			return err
		})
		if err == nil {
			run.setPhase(PhasePublishing)
		}
		return err
	})
}

// importRows reads the rows (parsed and their numbers normalised in a
// reader goroutine, a chunk ahead), gives each its CSV external id and
// passes it to put; use receives each chunk's normalised numbers first.
// An invalid row fails the whole import with its line number.
func importRows(store *phonebook.Store, rd *csvbook.Reader, run *importRun, use func(phonebook.NumberIndex), put func(*phonebook.Contact) error) error {
	chunks := make(chan importChunk, 2)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		readChunks(store, rd, chunks, done, run)
	}()
	defer func() {
		close(done)
		for range chunks { // let the reader see done and end
		}
		<-finished
	}()
	// Occurrences are keyed by a 64-bit FNV-1a hash of the row key: a
	// collision (odds about n²/2⁶⁵) numbers a row's occurrence one too
	// high; hashing is deterministic, so a re-import of the same file
	// gives the same ids.
	occurrences := map[uint64]int32{}
	for ch := range chunks {
		use(ch.numbers)
		for i, c := range ch.contacts {
			key := rowKey(c)
			h := hash64(key)
			occurrences[h]++
			c.ExternalID = key + "#" + strconv.Itoa(int(occurrences[h]))
			c.Source = phonebook.SourceCSV
			if err := put(c); err != nil {
				var ve *phonebook.ValidationError
				if errors.As(err, &ve) {
					fs := make([]phonebook.FieldError, len(ve.Fields))
					for k, f := range ve.Fields {
						fs[k] = phonebook.FieldError{Field: fmt.Sprintf("line %d, %s", ch.lines[i], f.Field), Message: f.Message}
					}
					return &phonebook.ValidationError{Fields: fs}
				}
				return fmt.Errorf("line %d: %w", ch.lines[i], err)
			}
		}
		run.addWritten(int64(len(ch.contacts)))
		run.chunkWritten()
		if ch.err != nil {
			return ch.err
		}
	}
	use(nil)
	return nil
}

// hash64 is the 64-bit FNV-1a hash of s.
func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// rowKey identifies a CSV row across imports: folded names and company.
func rowKey(c *phonebook.Contact) string {
	return strings.Join([]string{phonebook.Fold(c.FirstName), phonebook.Fold(c.MiddleName), phonebook.Fold(c.LastName), phonebook.Fold(c.Company)}, "|")
}

func (im *Imports) export(w http.ResponseWriter, r *http.Request) {
	// source narrows the file to one source's contacts: ?source=csv is the
	// CSV-managed book, the file to edit and upload again with
	// mode=replace (the whole book holds local and synced contacts too,
	// which an upload would add as CSV copies).
	source := r.URL.Query().Get("source")
	if source != "" {
		known := false
		if im.sourceName != nil {
			if name, ok := im.sourceName(source); ok { // a sync source's id
				source, known = name, true
			}
		}
		var err error
		if !known {
			known, err = im.sourceKnown(r.Context(), source)
		}
		if err != nil {
			writeErr(w, r, err)
			return
		}
		if !known {
			platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound,
				fmt.Sprintf("source %q: no such source (local, csv, or the id of a sync source)", source),
				[]platform.FieldError{{Field: "source", Message: fmt.Sprintf("no source %q", source)}})
			return
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	cw := csvbook.NewWriter(w)
	err := im.store.Scan(r.Context(), func(c *phonebook.Contact) error {
		if c.Scope != phonebook.ScopeGlobal || (source != "" && c.Source != source) {
			return nil
		}
		return cw.Write(c)
	})
	if err == nil {
		err = cw.Flush()
	}
	if err != nil {
		// Headers are gone; end the body early so the client sees a broken
		// transfer rather than a short file that looks whole.
		panic(http.ErrAbortHandler)
	}
}

// sourceKnown reports whether source names a source: local, csv, the id
// of a configured sync source, or the name of a source whose contacts are
// in the store (a sync source's, also one removed without erasing its
// data).
func (im *Imports) sourceKnown(ctx context.Context, source string) (bool, error) {
	if source == phonebook.SourceLocal || source == phonebook.SourceCSV {
		return true, nil
	}
	if strings.ContainsRune(source, '/') || phonebook.CheckText(source) != nil {
		return false, nil
	}
	if _, err := im.store.Meta(dirsync.SourcesNamespace).Get(ctx, source); err == nil {
		return true, nil
	} else if !errors.Is(err, phonebook.ErrNotFound) {
		return false, err
	}
	return im.store.HasSource(ctx, source)
}

func (im *Imports) template(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts-template.csv"`)
	_ = csvbook.Template(w)
}
