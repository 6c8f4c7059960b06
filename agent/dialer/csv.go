package dialer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// LeadInput is one parsed lead before it joins a campaign.
type LeadInput struct {
	Number string            `json:"number" doc:"The number to call (E.164, or national in default_region)" example:"+38761100004"`
	Name   string            `json:"name,omitempty" doc:"The customer's name, shown to the agent" example:"Amra Hodžić"`
	TZ     string            `json:"tz,omitempty" doc:"The lead's IANA time zone (empty: derived from the number)" example:"Europe/Sarajevo"`
	Fields map[string]string `json:"fields,omitempty" doc:"Custom fields, shown to the agent" example:"{\"contract\":\"C-2291\"}"`

	line int // the CSV line it came from (0: not from a CSV)
}

// MaxRowErrors caps the bad rows a LeadsCSVError lists.
const MaxRowErrors = 100

// RowError is one bad row of a leads CSV.
type RowError struct {
	Line int
	// Column is the column's name in the header ("" for the whole row).
	Column  string
	Message string
}

// LeadsCSVError lists the bad rows of a leads CSV: up to MaxRowErrors of
// them in line order, and how many there were in all.
type LeadsCSVError struct {
	Rows  []RowError
	Total int
}

// Error names the first bad row and how many others there are.
func (e *LeadsCSVError) Error() string {
	if len(e.Rows) == 0 {
		return "leads csv: bad rows"
	}
	s := "leads csv " + e.Rows[0].where() + ": " + e.Rows[0].Message
	if e.Total > 1 {
		s += fmt.Sprintf(" (and %d more bad rows)", e.Total-1)
	}
	return s
}

// where is "line 3 column number" or "line 3".
func (r RowError) where() string {
	if r.Column == "" {
		return fmt.Sprintf("line %d", r.Line)
	}
	return fmt.Sprintf("line %d column %s", r.Line, r.Column)
}

// MaxLeadRows bounds one CSV upload.
const MaxLeadRows = 1_000_000

// ParseLeadsCSV reads a lead list. The first row is a header naming the
// columns: "number" (or "phone"), optional "name", optional "timezone" (or
// "tz", an IANA zone); any other column becomes a custom field. Numbers are
// canonicalised with region for numbers without "+". The list applies whole
// or not at all: bad rows fail the parse with a *LeadsCSVError that lists
// each one (line and column, up to MaxRowErrors) and their count; a
// malformed header or CSV syntax fails it at once.
func ParseLeadsCSV(r io.Reader, region string) ([]LeadInput, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("leads csv: empty input, want a header row with a number column")
	}
	if err != nil {
		return nil, fmt.Errorf("leads csv: header: %w", err)
	}
	numCol, nameCol, tzCol := -1, -1, -1
	names := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		key := strings.ToLower(h)
		if key == "" {
			return nil, fmt.Errorf("leads csv line 1 column %d: empty column name", i+1)
		}
		if seen[key] {
			return nil, fmt.Errorf("leads csv line 1 column %d: duplicate column %q", i+1, h)
		}
		seen[key] = true
		names[i] = h
		switch key {
		case "number", "phone", "phone_number":
			if numCol >= 0 {
				return nil, fmt.Errorf("leads csv line 1 column %d: second number column %q", i+1, h)
			}
			numCol = i
		case "name":
			nameCol = i
		case "timezone", "tz":
			if tzCol >= 0 {
				return nil, fmt.Errorf("leads csv line 1 column %d: second timezone column %q", i+1, h)
			}
			tzCol = i
		}
	}
	if numCol < 0 {
		return nil, fmt.Errorf("leads csv line 1: no number column (want number or phone)")
	}
	zones := map[string]bool{}
	var out []LeadInput
	bad := &LeadsCSVError{}
	rowErr := func(line int, col, format string, a ...any) {
		bad.Total++
		if len(bad.Rows) < MaxRowErrors {
			bad.Rows = append(bad.Rows, RowError{Line: line, Column: col, Message: fmt.Sprintf(format, a...)})
		}
	}
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("leads csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if rows >= MaxLeadRows {
			return nil, fmt.Errorf("leads csv line %d: more than %d leads", line, MaxLeadRows)
		}
		rows++
		if len(rec) != len(header) {
			rowErr(line, "", "%d fields, header has %d", len(rec), len(header))
			continue
		}
		num, err := CanonicalNumber(rec[numCol], region)
		if err != nil {
			rowErr(line, names[numCol], "%v", err)
			continue
		}
		li := LeadInput{Number: num, line: line}
		if nameCol >= 0 {
			li.Name = strings.TrimSpace(rec[nameCol])
		}
		if tzCol >= 0 {
			tz := strings.TrimSpace(rec[tzCol])
			if tz != "" {
				ok, known := zones[tz]
				if !known {
					_, err := time.LoadLocation(tz)
					ok = err == nil && tz != "Local"
					zones[tz] = ok
				}
				if !ok {
					rowErr(line, names[tzCol], "unknown time zone %q", tz)
					continue
				}
				li.TZ = tz
			}
		}
		for i, v := range rec {
			if i == numCol || i == nameCol || i == tzCol {
				continue
			}
			if li.Fields == nil {
				li.Fields = map[string]string{}
			}
			li.Fields[names[i]] = v
		}
		out = append(out, li)
	}
	if bad.Total > 0 {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("leads csv: no leads after the header")
	}
	return out, nil
}
