package callhistory

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/internal/csvcell"
)

// csvHeader is the export's header row.
var csvHeader = []string{"id", "user_id", "direction", "from", "from_name", "to", "to_name", "device",
	"created_at", "answered_at", "ended_at", "duration", "cause", "cause_text", "ended_by", "recordings"}

// csvWriter writes records as CSV (RFC 4180: encoding/csv quotes fields
// holding commas, quotes or line breaks), text cells guarded against
// spreadsheet formula injection.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) *csvWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line ends
	return &csvWriter{w: cw}
}

func (c *csvWriter) header() error { return c.w.Write(csvHeader) }

func (c *csvWriter) write(r *Record) error {
	tm := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	created, ended := r.CreatedAt, r.EndedAt
	row := []string{r.ID, r.UserID, r.Direction, r.From, r.FromName, r.To, r.ToName, r.Device,
		tm(&created), tm(r.AnsweredAt), tm(&ended), strconv.Itoa(r.Duration), strconv.Itoa(r.Cause),
		r.CauseText, r.EndedBy, strings.Join(r.Recordings, ";")}
	return c.w.Write(csvcell.GuardRow(row))
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}
