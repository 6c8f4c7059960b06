package hotel

import (
	"encoding/json"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in      string
		want    Money
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "12.5", want: 125000},
		{in: "0.035", want: 350},
		{in: "-2", want: -20000},
		{in: "1.2345", want: 12345},
		{in: "1.23456", wantErr: true},
		{in: "", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "+1", wantErr: true},
		{in: "1.-5", wantErr: true},
		{in: "99999999999999999999", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseMoney(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMoneyJSONAndMinor(t *testing.T) {
	tests := []struct {
		m     Money
		json  string
		minor int64
	}{
		{m: 125000, json: "12.5", minor: 1250},
		{m: 350, json: "0.035", minor: 4},
		{m: 349, json: "0.0349", minor: 3},
		{m: -20050, json: "-2.005", minor: -201},
		{m: 0, json: "0", minor: 0},
	}
	for _, tc := range tests {
		b, err := json.Marshal(tc.m)
		if err != nil || string(b) != tc.json {
			t.Errorf("Marshal(%d) = %s, %v; want %s", tc.m, b, err, tc.json)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || back != tc.m {
			t.Errorf("Unmarshal(%s) = %d, %v", b, back, err)
		}
		if got := tc.m.Minor(); got != tc.minor {
			t.Errorf("Minor(%d) = %d, want %d", tc.m, got, tc.minor)
		}
	}
}

func TestClassAllows(t *testing.T) {
	tests := []struct {
		room, number Class
		want         bool
	}{
		{room: ClassInternal, number: ClassEmergency, want: true},
		{room: "", number: ClassEmergency, want: true},
		{room: ClassInternal, number: ClassLocal, want: false},
		{room: ClassNational, number: ClassLocal, want: true},
		{room: ClassNational, number: ClassInternational, want: false},
		{room: ClassInternational, number: ClassInternational, want: true},
		{room: "bogus", number: ClassInternal, want: false},
	}
	for _, tc := range tests {
		if got := tc.room.Allows(tc.number); got != tc.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tc.room, tc.number, got, tc.want)
		}
	}
}

// FuzzParseMoney: whatever parses renders back to the same amount.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "12.5", "-0.0001", "1.2345", "abc", "1e5", "922337203685477"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %d → %q → %d, %v", s, m, m.String(), back, err)
		}
	})
}
