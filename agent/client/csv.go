package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ImportMode says what an import does with CSV contacts the file lacks.
type ImportMode string

const (
	// ImportReplace makes the CSV contacts equal to the file: those the
	// file lacks are deleted. The daemon requires Confirm.
	ImportReplace ImportMode = "replace"
	// ImportMerge creates and updates, deleting nothing.
	ImportMerge ImportMode = "merge"
)

// ImportOptions configures an import.
type ImportOptions struct {
	// Mode is replace or merge; empty means replace (the daemon's default).
	Mode ImportMode
	// Confirm acknowledges that a replacing import deletes records;
	// without it the daemon answers 409 (ErrConfirmRequired).
	Confirm bool
	// Size is the body length in bytes when known (sent as
	// Content-Length); 0 streams the body chunked.
	Size int64
	// ID names the import (import_id) so that its progress can be read
	// with ImportStatus while it runs; empty: one is made when Progress is
	// set, else the daemon makes one.
	ID string
	// Progress, when set, receives the import's status while the upload
	// request runs (polled every PollEvery) and once more when it has
	// ended, from a goroutine ImportCSV owns and waits for.
	Progress func(ImportStatus)
	// PollEvery is the polling period of Progress; 0 means 500 ms.
	PollEvery time.Duration
}

// ImportStatus is an import's progress on the daemon
// (GET /api/v1/contact-imports/{id}).
type ImportStatus struct {
	ID   string `json:"id"`
	Mode string `json:"mode"`
	// Phase is receiving, validating, applying, publishing, done or failed.
	Phase         string `json:"phase"`
	BytesReceived int64  `json:"bytes_received"`
	BytesTotal    int64  `json:"bytes_total,omitempty"`
	// RowsParsed counts the rows read in the current phase; RowsWritten
	// those written while applying, of RowsTotal (known once validated).
	RowsParsed  int64 `json:"rows_parsed"`
	RowsWritten int64 `json:"rows_written"`
	RowsTotal   int64 `json:"rows_total,omitempty"`
	// SecondsLeft estimates the time until the import is published; 0
	// when there is no estimate.
	SecondsLeft int64         `json:"seconds_left,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	FinishedAt  time.Time     `json:"finished_at,omitzero"`
	Result      *ImportResult `json:"result,omitempty"`
}

// GetImportStatus reads the progress of import id.
func (c *Client) GetImportStatus(ctx context.Context, id string) (*ImportStatus, error) {
	var st ImportStatus
	if err := c.doJSON(ctx, http.MethodGet, "/api/v1/contact-imports/"+url.PathEscape(id), nil, "", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// newImportID returns a random import id.
func newImportID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "cli-" + hex.EncodeToString(b[:])
}

// pollImport calls progress with the status of import id every period
// until stop closes, then once more.
func (c *Client) pollImport(ctx context.Context, id string, every time.Duration, progress func(ImportStatus), stop <-chan struct{}) {
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	report := func(ctx context.Context) {
		if st, err := c.GetImportStatus(ctx, id); err == nil {
			progress(*st)
		}
	}
	for {
		select {
		case <-stop:
			if ctx.Err() == nil {
				report(ctx)
			}
			return
		case <-ctx.Done():
			return
		case <-t.C:
			report(ctx)
		}
	}
}

// ImportResult is the daemon's summary of an applied import.
type ImportResult struct {
	// Format is the detected CSV format.
	Format string `json:"format"`
	// Mode is the mode applied.
	Mode      string `json:"mode"`
	Rows      int    `json:"rows"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Deleted   int    `json:"deleted"`
	// Warnings lists cells that were skipped (a Google or Outlook number
	// that is not a phone number…); WarningsTotal counts them all.
	Warnings      []Problem `json:"warnings,omitempty"`
	WarningsTotal int       `json:"warnings_total,omitempty"`
	// ID is the import's id on the daemon.
	ID string `json:"id,omitempty"`
	// FormatDescription says which format was detected and how.
	FormatDescription string `json:"format_description,omitempty"`
	// SkippedColumns lists the header columns that map to no contact
	// field and held values (not imported).
	SkippedColumns []SkippedColumn `json:"skipped_columns,omitempty"`
}

// SkippedColumn is a header column whose values were not imported.
type SkippedColumn struct {
	// Column is the 1-based column number; Name the header text.
	Column int    `json:"column"`
	Name   string `json:"name"`
	// Cells counts the non-empty values skipped.
	Cells int `json:"cells"`
}

// ImportCSV uploads a CSV file (Central Phone Book, Google or Outlook); the
// daemon validates it whole and applies it atomically, or rejects it with
// an *APIError listing the malformed lines.
func (c *Client) ImportCSV(ctx context.Context, body io.Reader, opts ImportOptions) (*ImportResult, error) {
	const path = "/api/v1/contacts/import"
	mode := opts.Mode
	if mode == "" {
		mode = ImportReplace
	}
	if mode != ImportReplace && mode != ImportMerge {
		return nil, fmt.Errorf("import: mode %q: must be replace or merge", mode)
	}
	q := url.Values{"mode": {string(mode)}}
	if opts.Confirm {
		q.Set("confirm", "true")
	}
	if opts.ID == "" && opts.Progress != nil {
		opts.ID = newImportID()
	}
	if opts.ID != "" {
		q.Set("import_id", opts.ID)
	}
	if opts.Progress != nil {
		stop, polled := make(chan struct{}), make(chan struct{})
		pctx, cancel := context.WithCancel(ctx)
		go func() {
			defer close(polled)
			c.pollImport(pctx, opts.ID, opts.PollEvery, opts.Progress, stop)
		}()
		defer func() {
			close(stop)
			<-polled
			cancel()
		}()
	}
	resp, err := c.send(ctx, request{method: http.MethodPost, path: path, query: q, ctype: "text/csv; charset=utf-8", body: body, size: opts.Size})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res ImportResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("POST %s: decode answer: %w", path, err)
	}
	return &res, nil
}

// ExportCSV streams the global contacts as Central Phone Book CSV to w and
// returns the bytes written; a non-empty source limits the file to that
// source's contacts ("csv": the CSV-managed book). A transfer the daemon
// breaks off is an error, never a short file that looks whole.
func (c *Client) ExportCSV(ctx context.Context, w io.Writer, source string) (int64, error) {
	var q url.Values
	if source != "" {
		q = url.Values{"source": {source}}
	}
	return c.download(ctx, "/api/v1/contacts/export", q, w)
}

// TemplateCSV writes a CSV template to w.
func (c *Client) TemplateCSV(ctx context.Context, w io.Writer) (int64, error) {
	return c.download(ctx, "/api/v1/contacts/template", nil, w)
}

func (c *Client) download(ctx context.Context, path string, query url.Values, w io.Writer) (int64, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: path, query: query, accept: "text/csv"})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: after %d bytes: %w", path, n, err)
	}
	return n, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
