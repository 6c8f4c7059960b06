package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
