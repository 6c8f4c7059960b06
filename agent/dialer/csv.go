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
}

// MaxLeadRows bounds one CSV upload.
const MaxLeadRows = 1_000_000

// ParseLeadsCSV reads a lead list. The first row is a header naming the
// columns: "number" (or "phone"), optional "name", optional "timezone" (or
// "tz", an IANA zone); any other column becomes a custom field. Numbers are
// canonicalised with region for numbers without "+". The list applies whole
// or not at all: the first bad row fails the parse with its line and column.
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
		if len(out) >= MaxLeadRows {
			return nil, fmt.Errorf("leads csv line %d: more than %d leads", line, MaxLeadRows)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("leads csv line %d: %d fields, header has %d", line, len(rec), len(header))
		}
		num, err := CanonicalNumber(rec[numCol], region)
		if err != nil {
			return nil, fmt.Errorf("leads csv line %d column %s: %w", line, names[numCol], err)
		}
		li := LeadInput{Number: num}
		if nameCol >= 0 {
			li.Name = strings.TrimSpace(rec[nameCol])
		}
		if tzCol >= 0 {
			tz := strings.TrimSpace(rec[tzCol])
			if tz != "" {
				if ok, known := zones[tz]; known {
					if !ok {
						return nil, fmt.Errorf("leads csv line %d column %s: unknown time zone %q", line, names[tzCol], tz)
					}
				} else if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
					zones[tz] = false
					return nil, fmt.Errorf("leads csv line %d column %s: unknown time zone %q", line, names[tzCol], tz)
				} else {
					zones[tz] = true
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
	if len(out) == 0 {
		return nil, fmt.Errorf("leads csv: no leads after the header")
	}
	return out, nil
}
