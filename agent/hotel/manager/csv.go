package manager

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// csvHeader is a bill's CSV header row.
var csvHeader = []string{"bill_id", "room", "guest", "call_id", "start", "number", "class", "trunk",
	"seconds", "billed_seconds", "table", "prefix", "rate_name", "cost", "currency", "posting", "posted"}

// WriteBillCSV writes bills as CSV (RFC 4180: a header row, then one call
// a line, CRLF line ends, quoted fields where needed); times in RFC 3339
// in loc; costs with four decimals; cells a spreadsheet would run as a
// formula start with a single quote.
func WriteBillCSV(w io.Writer, loc *time.Location, bills ...hotel.Bill) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, b := range bills {
		for _, l := range b.Lines {
			posting := ""
			if l.Posting > 0 {
				posting = strconv.Itoa(l.Posting)
			}
			row := []string{b.ID, b.Room, b.Guest, l.CallID, l.Start.In(loc).Format(time.RFC3339), l.Number, string(l.Class), l.Trunk,
				strconv.Itoa(l.Seconds), strconv.Itoa(l.BilledSeconds), l.Table, l.Prefix, l.RateName, l.Cost.String(), l.Currency,
				posting, strconv.FormatBool(l.Posted)}
			for i, v := range row {
				row[i] = guardFormula(v)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// guardFormula neutralises a cell a spreadsheet would run as a formula
// (OWASP "CSV Injection": a cell starting with '=', '+', '-', '@', tab or
// carriage return) by prefixing a single quote; a plain international
// number ("+41441234567") and a negative amount ("-1.5000") compute
// nothing and are left as they are.
func guardFormula(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return v
	}
	if (v[0] == '+' || v[0] == '-') && len(v) > 1 && strings.Trim(v[1:], "0123456789.") == "" {
		return v
	}
	return "'" + v
}
