package rating

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/csvcell"
)

// BillCSVHeader is the header row of WriteBillCSV, the columns in order.
func BillCSVHeader() []string {
	return []string{"bill_id", "room", "guest", "call_id", "start", "number", "class", "trunk",
		"seconds", "billed_seconds", "table", "prefix", "rate_name", "cost", "currency", "posting", "posted"}
}

// WriteBillCSV writes bills as CSV (RFC 4180 through encoding/csv: a
// header row, then one call a line, CRLF line ends, fields quoted where
// needed): each line's start in RFC 3339 in loc (nil: UTC), its cost with
// four decimals, its posting number (empty before it is posted) and
// whether the PMS acknowledged it. A cell a spreadsheet would run as a
// formula starts with a single quote (csvcell.Guard). A write error names
// the bill and the line being written when it showed.
func WriteBillCSV(w io.Writer, loc *time.Location, bills ...hotel.Bill) error {
	if loc == nil {
		loc = time.UTC
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(BillCSVHeader()); err != nil {
		return fmt.Errorf("bill csv header: %w", err)
	}
	for _, b := range bills {
		for i, l := range b.Lines {
			posting := ""
			if l.Posting > 0 {
				posting = strconv.Itoa(l.Posting)
			}
			row := []string{b.ID, b.Room, b.Guest, l.CallID, l.Start.In(loc).Format(time.RFC3339), l.Number, string(l.Class), l.Trunk,
				strconv.Itoa(l.Seconds), strconv.Itoa(l.BilledSeconds), l.Table, l.Prefix, l.RateName, l.Cost.String(), l.Currency,
				posting, strconv.FormatBool(l.Posted)}
			if err := cw.Write(csvcell.GuardRow(row)); err != nil {
				return fmt.Errorf("bill %s csv line %d: %w", b.ID, i+1, err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("bill csv: %w", err)
	}
	return nil
}
