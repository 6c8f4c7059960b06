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
)

func TestBillCSVRoundTrip(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	start := time.Date(2026, 12, 7, 23, 30, 5, 0, time.UTC)
	b := hotel.Bill{ID: "b-101", Room: "101", Guest: "=HYPERLINK(\"x\")", Currency: "EUR", Total: 8600, Lines: []hotel.Charge{
		{CallRecord: hotel.CallRecord{Room: "101", Number: "00442071234567", Class: hotel.ClassInternational, Start: start, Seconds: 125},
			RateName: "United Kingdom", BilledSeconds: 180, Cost: 8500, Currency: "EUR", Posted: true},
		{CallRecord: hotel.CallRecord{Room: "101", Number: "+33 1 23", Class: hotel.ClassInternational, Start: start.Add(time.Hour), Seconds: 3},
			RateName: "@France, \"Paris\"", BilledSeconds: 60, Cost: 100, Currency: "EUR"},
		{CallRecord: hotel.CallRecord{Room: "102", Number: "-1", Class: hotel.ClassLocal, Start: start}, RateName: "=1+1"},
	}}
	var buf bytes.Buffer
	if err := BillCSV(&buf, b, rome); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v", err)
	}
	want := [][]string{
		{"Date", "Time", "Room", "Number", "Class", "Seconds", "Billed seconds", "Rate", "Cost", "Currency", "Posted"},
		{"2026-12-08", "00:30:05", "101", "00442071234567", "international", "125", "180", "United Kingdom", "0.85", "EUR", "yes"},
		{"2026-12-08", "01:30:05", "101", "'+33 1 23", "international", "3", "60", "'@France, \"Paris\"", "0.01", "EUR", "no"},
		{"2026-12-08", "00:30:05", "102", "'-1", "local", "0", "0", "'=1+1", "0.00", "", "no"},
		{"Total", "", "", "", "", "128", "240", "", "0.86", "EUR", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows\n%q\nwant\n%q", rows, want)
	}
}

func TestBillCSVEmptyBillInUTC(t *testing.T) {
	var buf bytes.Buffer
	if err := BillCSV(&buf, hotel.Bill{ID: "b", Currency: "EUR"}, nil); err != nil {
		t.Fatal(err)
	}
	want := "Date,Time,Room,Number,Class,Seconds,Billed seconds,Rate,Cost,Currency,Posted\nTotal,,,,,0,0,,0.00,EUR,\n"
	if buf.String() != want {
		t.Fatalf("got %q", buf.String())
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

func TestBillCSVWriteErrorNamesTheBill(t *testing.T) {
	err := BillCSV(failWriter{}, hotel.Bill{ID: "b-7"}, nil)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("bill b-7")) {
		t.Fatalf("got %v", err)
	}
}

// FuzzBillCSV: any number and rate name read back, through encoding/csv,
// as the same cell (an apostrophe before a formula's first character),
// with one row per line plus the header and the total.
func FuzzBillCSV(f *testing.F) {
	f.Add("00442071234567", "United Kingdom", int64(8500))
	f.Add("=cmd|' /C calc'!A0", "+1,\"x\"\n@SUM(1)", int64(1))
	f.Add("-", "\r\t", int64(0))
	f.Fuzz(func(t *testing.T, number, rate string, cost int64) {
		if !utf8.ValidString(number) || !utf8.ValidString(rate) {
			t.Skip()
		}
		b := hotel.Bill{ID: "b", Currency: "EUR", Total: hotel.Money(cost), Lines: []hotel.Charge{
			{CallRecord: hotel.CallRecord{Room: "101", Number: number}, RateName: rate, Cost: hotel.Money(cost)},
			{CallRecord: hotel.CallRecord{Room: "102", Number: rate}, RateName: number},
		}}
		var buf bytes.Buffer
		if err := BillCSV(&buf, b, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("unreadable: %v", err)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows", len(rows))
		}
		want := func(s string) string {
			// encoding/csv reads a quoted \r\n as \n.
			s = strings.ReplaceAll(s, "\r\n", "\n")
			if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				return "'" + s
			}
			return s
		}
		if rows[1][3] != want(number) || rows[1][7] != want(rate) || rows[2][3] != want(rate) || rows[2][7] != want(number) {
			t.Fatalf("cells %q %q %q %q", rows[1][3], rows[1][7], rows[2][3], rows[2][7])
		}
		for _, row := range rows {
			for _, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t", rune(c[0])) {
					t.Fatalf("a cell starts a formula: %q", c)
				}
			}
		}
	})
}
