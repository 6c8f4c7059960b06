package rating

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"testing"
	"time"

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
