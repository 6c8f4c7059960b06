package rating

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/internal/csvcell"
)

func TestWriteBillCSV(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	start := time.Date(2026, 12, 7, 23, 30, 5, 0, time.UTC)
	b1 := hotel.Bill{ID: "b-101", Room: "101", Guest: "=HYPERLINK(\"x\")", Currency: "EUR", Total: 8600, Lines: []hotel.Charge{
		{CallRecord: hotel.CallRecord{CallID: "c1", Room: "101", Number: "00442071234567", Class: hotel.ClassInternational, Trunk: "my-trunk", Start: start, Seconds: 125},
			Table: "default", Prefix: "0044", RateName: "United Kingdom", BilledSeconds: 180, Cost: 8500, Currency: "EUR", Posting: 7, Posted: true},
		{CallRecord: hotel.CallRecord{CallID: "c2", Room: "101", Number: "+33 1 23", Class: hotel.ClassInternational, Start: start.Add(time.Hour), Seconds: 3},
			RateName: "@France, \"Paris\"", BilledSeconds: 60, Cost: 100, Currency: "EUR"},
	}}
	b2 := hotel.Bill{ID: "b-102", Room: "102", Guest: "Anna Rossi", Lines: []hotel.Charge{
		{CallRecord: hotel.CallRecord{CallID: "c3", Room: "102", Number: "+41441234567", Class: hotel.ClassLocal, Start: start}, RateName: "=1+1"},
	}}
	for _, tc := range []struct {
		name  string
		loc   *time.Location
		bills []hotel.Bill
		want  [][]string
	}{
		{name: "no bill", bills: nil, want: [][]string{BillCSVHeader()}},
		{name: "an empty bill", bills: []hotel.Bill{{ID: "b"}}, want: [][]string{BillCSVHeader()}},
		{name: "two bills in the hotel's zone", loc: rome, bills: []hotel.Bill{b1, b2}, want: [][]string{
			BillCSVHeader(),
			{"b-101", "101", `'=HYPERLINK("x")`, "c1", "2026-12-08T00:30:05+01:00", "00442071234567", "international", "my-trunk", "125", "180", "default", "0044", "United Kingdom", "0.8500", "EUR", "7", "true"},
			{"b-101", "101", `'=HYPERLINK("x")`, "c2", "2026-12-08T01:30:05+01:00", "'+33 1 23", "international", "", "3", "60", "", "", `'@France, "Paris"`, "0.0100", "EUR", "", "false"},
			{"b-102", "102", "Anna Rossi", "c3", "2026-12-08T00:30:05+01:00", "+41441234567", "local", "", "0", "0", "", "", "'=1+1", "0.0000", "", "", "false"},
		}},
		{name: "no zone is UTC", bills: []hotel.Bill{b2}, want: [][]string{
			BillCSVHeader(),
			{"b-102", "102", "Anna Rossi", "c3", "2026-12-07T23:30:05Z", "+41441234567", "local", "", "0", "0", "", "", "'=1+1", "0.0000", "", "", "false"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteBillCSV(&buf, tc.loc, tc.bills...); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "\r\n"); n != len(tc.want) {
				t.Errorf("%d CRLF line ends, want %d (RFC 4180)", n, len(tc.want))
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatalf("not RFC 4180: %v", err)
			}
			if !reflect.DeepEqual(rows, tc.want) {
				t.Fatalf("rows\n%q\nwant\n%q", rows, tc.want)
			}
		})
	}
}

func TestAmountDecimals(t *testing.T) {
	tests := []struct {
		m    hotel.Money
		want string
	}{
		{m: 0, want: "0.00"}, {m: 8500, want: "0.85"}, {m: 125, want: "0.0125"}, {m: 120000, want: "12.00"},
		{m: 1, want: "0.0001"}, {m: 10, want: "0.001"},
	}
	for _, tc := range tests {
		if got := amount(tc.m); got != tc.want {
			t.Errorf("amount(%d) = %q, want %q", tc.m, got, tc.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteBillCSVWriteError(t *testing.T) {
	err := WriteBillCSV(failWriter{}, nil, hotel.Bill{ID: "b-7", Lines: []hotel.Charge{{}}})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

// FuzzWriteBillCSV: a bill with any guest name, number and rate name
// reads back, through encoding/csv, as written (RFC 4180 quoting), a
// formula-looking cell guarded, one row per line after the header.
func FuzzWriteBillCSV(f *testing.F) {
	f.Add("Anna Rossi", "00442071234567", "United Kingdom")
	f.Add("=cmd|' /C calc'!A0", "+41441234567", "+1,\"x\"\n@SUM(1)")
	f.Add("a,\"b\"\r\nc", "-1", "\t")
	f.Fuzz(func(t *testing.T, guest, number, rate string) {
		if !utf8.ValidString(guest + number + rate) {
			t.Skip()
		}
		b := hotel.Bill{ID: "b-1", Room: "101", Guest: guest, Lines: []hotel.Charge{
			{CallRecord: hotel.CallRecord{CallID: "c1", Number: number}, RateName: rate},
			{CallRecord: hotel.CallRecord{CallID: "c2", Number: rate}, RateName: number},
		}}
		var buf bytes.Buffer
		if err := WriteBillCSV(&buf, nil, b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("read back: %v %q", err, rows)
		}
		want := func(s string) string {
			// With CRLF line ends encoding/csv writes a field's \n as \r\n
			// and drops its \r; it reads \r\n back as \n.
			return strings.ReplaceAll(csvcell.Guard(s), "\r", "")
		}
		got := []string{rows[1][2], rows[1][5], rows[1][12], rows[2][5], rows[2][12]}
		if w := []string{want(guest), want(number), want(rate), want(rate), want(number)}; !reflect.DeepEqual(got, w) {
			t.Fatalf("read back %q, want %q", got, w)
		}
		for _, row := range rows {
			for _, c := range row {
				if c != "" && strings.ContainsRune("=@\t", rune(c[0])) {
					t.Fatalf("a cell starts a formula: %q", c)
				}
			}
		}
	})
}
