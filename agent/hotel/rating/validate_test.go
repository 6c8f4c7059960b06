package rating

import (
	"errors"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func validTables() []hotel.RateTable {
	return []hotel.RateTable{
		{ID: "default", Name: "Main trunk", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0", PerMinute: 1000}}},
		{ID: "intl", Trunk: "my-trunk", Class: hotel.ClassInternational, Currency: "EUR", Rates: []hotel.Rate{
			{Prefix: "0044", Name: "United Kingdom", PerMinute: 2500, Increment: 60, Minimum: 60, NoCharge: 5, Surcharge: 1000},
			{Prefix: "0044", Weight: 20, PerMinute: 2000},
			{Prefix: "0049", Weight: 100, PerMinute: 2000, Increment: 1},
		}},
	}
}

func TestValidateAcceptsValidTables(t *testing.T) {
	if err := Validate(validTables()); err != nil {
		t.Fatal(err)
	}
	if err := Validate(nil); err != nil {
		t.Fatalf("no tables: %v", err)
	}
}

func TestValidateNamesTableRateAndField(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(ts []hotel.RateTable)
		wantPath string
		wantMsg  string // a part of the message
	}{
		{name: "table id", edit: func(ts []hotel.RateTable) { ts[1].ID = "Intl!" }, wantPath: "tables[1].id", wantMsg: `table 1 (id "Intl!")`},
		{name: "empty table id", edit: func(ts []hotel.RateTable) { ts[0].ID = "" }, wantPath: "tables[0].id", wantMsg: "1 to 32"},
		{name: "duplicate table id", edit: func(ts []hotel.RateTable) { ts[1].ID = "default" }, wantPath: "tables[1].id", wantMsg: "already used by table 0"},
		{name: "currency", edit: func(ts []hotel.RateTable) { ts[1].Currency = "eur" }, wantPath: "tables[1].currency", wantMsg: "ISO 4217"},
		{name: "missing currency", edit: func(ts []hotel.RateTable) { ts[0].Currency = "" }, wantPath: "tables[0].currency", wantMsg: "ISO 4217"},
		{name: "class", edit: func(ts []hotel.RateTable) { ts[1].Class = "mobile" }, wantPath: "tables[1].class", wantMsg: `class "mobile"`},
		{name: "trunk", edit: func(ts []hotel.RateTable) { ts[1].Trunk = "PJSIP/x@y" }, wantPath: "tables[1].trunk", wantMsg: "trunk"},
		{name: "table name", edit: func(ts []hotel.RateTable) { ts[0].Name = "a\nb" }, wantPath: "tables[0].name", wantMsg: "printable"},
		{name: "prefix not digits", edit: func(ts []hotel.RateTable) { ts[1].Rates[2].Prefix = "+49" }, wantPath: "tables[1].rates[2].prefix", wantMsg: `table 1 (id "intl"), rate 2 (prefix "+49"): prefix must be 1 to 20 digits`},
		{name: "empty prefix", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].Prefix = "" }, wantPath: "tables[1].rates[0].prefix", wantMsg: "digits"},
		{name: "prefix too long", edit: func(ts []hotel.RateTable) { ts[0].Rates[0].Prefix = strings.Repeat("1", 21) }, wantPath: "tables[0].rates[0].prefix", wantMsg: "digits"},
		{name: "duplicate prefix and weight", edit: func(ts []hotel.RateTable) { ts[1].Rates[1].Weight = 0 }, wantPath: "tables[1].rates[1].prefix", wantMsg: "already used by rate 0"},
		{name: "weight", edit: func(ts []hotel.RateTable) { ts[1].Rates[2].Weight = 101 }, wantPath: "tables[1].rates[2].weight", wantMsg: "0 to 100"},
		{name: "negative increment", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].Increment = -1 }, wantPath: "tables[1].rates[0].increment", wantMsg: `rate 0 (prefix "0044"): increment must be 1 to 3600 seconds`},
		{name: "negative minimum", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].Minimum = -5 }, wantPath: "tables[1].rates[0].minimum", wantMsg: "minimum must be 0 to 86400"},
		{name: "negative no_charge", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].NoCharge = -1 }, wantPath: "tables[1].rates[0].no_charge", wantMsg: "no_charge"},
		{name: "negative per_minute", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].PerMinute = -1 }, wantPath: "tables[1].rates[0].per_minute", wantMsg: "per_minute must be 0 to"},
		{name: "huge surcharge", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].Surcharge = MaxAmount + 1 }, wantPath: "tables[1].rates[0].surcharge", wantMsg: "surcharge"},
		{name: "rate name", edit: func(ts []hotel.RateTable) { ts[1].Rates[0].Name = strings.Repeat("x", 65) }, wantPath: "tables[1].rates[0].name", wantMsg: "at most 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := validTables()
			tc.edit(ts)
			err := Validate(ts)
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("want one fault, got %v", err)
			}
			if es[0].Path != tc.wantPath || !strings.Contains(es[0].Msg, tc.wantMsg) {
				t.Fatalf("got %s: %s; want %s with %q", es[0].Path, es[0].Msg, tc.wantPath, tc.wantMsg)
			}
			d := es.Details()
			if len(d) != 1 || d[0].Field != tc.wantPath || d[0].Message != es[0].Msg {
				t.Fatalf("details %+v", d)
			}
		})
	}
}

func TestValidateListsEveryFaultUpToALimit(t *testing.T) {
	ts := validTables()
	ts[0].Currency = "x"
	ts[1].Rates[0].Increment = -1
	ts[1].Rates[2].Weight = -3
	var es Errors
	if err := Validate(ts); !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want three faults, got %v", err)
	}
	if es[0].Path != "tables[0].currency" || es[1].Path != "tables[1].rates[0].increment" || es[2].Path != "tables[1].rates[2].weight" {
		t.Fatalf("faults out of order: %v", es)
	}
	many := []hotel.RateTable{{ID: "t", Currency: "EUR"}}
	for range 200 {
		many[0].Rates = append(many[0].Rates, hotel.Rate{Prefix: "x"})
	}
	if err := Validate(many); !errors.As(err, &es) || len(es) != maxErrors {
		t.Fatalf("want %d faults, got %d", maxErrors, len(es))
	}
	if !strings.Contains(es.Error(), "and 47 more") {
		t.Fatalf("message %q", es.Error())
	}
}
