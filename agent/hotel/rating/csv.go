package rating

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// The bill's CSV words, in one place.
const (
	csvTotal        = "Total"
	csvYes          = "yes"
	csvNo           = "no"
	csvDateLayout   = "2006-01-02"
	csvTimeLayout   = "15:04:05"
	formulaTriggers = "=+-@\t\r"
)

// csvHeader is the bill's CSV header row.
func csvHeader() []string {
	return []string{"Date", "Time", "Room", "Number", "Class", "Seconds", "Billed seconds",
		"Rate", "Cost", "Currency", "Posted"}
}

// BillCSV writes b as CSV (RFC 4180, encoding/csv): a header row, one
// row per call (its start's date and time in loc, nil: UTC; room,
// dialled number, class, answered seconds, billed seconds, rate name,
// cost with two to four decimals, currency, posted to the PMS yes or
// no), then a total row ("Total", the seconds and billed seconds summed,
// the bill's total and currency). A cell that a spreadsheet would read
// as a formula (starting with =, +, -, @, tab or carriage return) is
// written with a leading apostrophe.
func BillCSV(w io.Writer, b hotel.Bill, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return fmt.Errorf("bill %s csv header: %w", b.ID, err)
	}
	var secs, billed int
	for i, l := range b.Lines {
		start := l.Start.In(loc)
		posted := csvNo
		if l.Posted {
			posted = csvYes
		}
		row := []string{start.Format(csvDateLayout), start.Format(csvTimeLayout), l.Room, l.Number,
			string(l.Class), strconv.Itoa(l.Seconds), strconv.Itoa(l.BilledSeconds), l.RateName,
			amount(l.Cost), l.Currency, posted}
		if err := cw.Write(safeRow(row)); err != nil {
			return fmt.Errorf("bill %s csv line %d: %w", b.ID, i+1, err)
		}
		secs += l.Seconds
		billed += l.BilledSeconds
	}
	total := []string{csvTotal, "", "", "", "", strconv.Itoa(secs), strconv.Itoa(billed), "", amount(b.Total), b.Currency, ""}
	if err := cw.Write(safeRow(total)); err != nil {
		return fmt.Errorf("bill %s csv total: %w", b.ID, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("bill %s csv: %w", b.ID, err)
	}
	return nil
}

// amount renders m with two to four decimals ("0.85", "0.0125").
func amount(m hotel.Money) string {
	s := m.String()
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// safeRow prefixes with an apostrophe each cell a spreadsheet would take
// for a formula (OWASP, CSV injection).
func safeRow(row []string) []string {
	for i, c := range row {
		if c != "" && strings.IndexByte(formulaTriggers, c[0]) >= 0 {
			row[i] = "'" + c
		}
	}
	return row
}
