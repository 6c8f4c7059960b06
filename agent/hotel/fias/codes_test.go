package fias

import (
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func TestRoomStatusCodes(t *testing.T) {
	tests := []struct {
		h    hotel.Housekeeping
		occ  hotel.Occupancy
		code string
	}{
		{h: hotel.MakeUpRequested, occ: hotel.Vacant, code: "1"},
		{h: hotel.Cleaning, occ: hotel.Occupied, code: "2"},
		{h: hotel.Clean, occ: hotel.Vacant, code: "3"},
		{h: hotel.Clean, occ: hotel.Occupied, code: "4"},
		{h: hotel.Inspected, occ: hotel.Vacant, code: "5"},
		{h: hotel.Inspected, occ: hotel.Occupied, code: "6"},
		{h: hotel.OutOfOrder, occ: hotel.Vacant, code: ""},
	}
	for _, tt := range tests {
		if got := RoomStatusCode(tt.h, tt.occ); got != tt.code {
			t.Errorf("RoomStatusCode(%s, %s) = %q, want %q", tt.h, tt.occ, got, tt.code)
		}
		if tt.code == "" {
			continue
		}
		back, ok := HousekeepingOf(tt.code)
		want := tt.h
		if want == hotel.Cleaning {
			want = hotel.MakeUpRequested // FIAS has dirty only
		}
		if !ok || back != want {
			t.Errorf("HousekeepingOf(%s) = %s, %v; want %s", tt.code, back, ok, want)
		}
	}
	if _, ok := HousekeepingOf("9"); ok {
		t.Error("HousekeepingOf(9) known")
	}
}

func TestParseClassCodes(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]hotel.Class
		wantErr string
	}{
		{in: "0=internal,1=local,2=national,3=international", want: DefaultClassCodes()},
		{in: " A = local , B=international,", want: map[string]hotel.Class{"A": hotel.ClassLocal, "B": hotel.ClassInternational}},
		{in: "", wantErr: "no entries"},
		{in: "0=internal,1", wantErr: `entry 2 "1": want CODE=CLASS`},
		{in: "0=world", wantErr: `class "world"`},
		{in: "a|b=local", wantErr: "want CODE=CLASS"},
	}
	for _, tt := range tests {
		got, err := ParseClassCodes(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseClassCodes(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseClassCodes(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("ParseClassCodes(%q)[%s] = %s, want %s", tt.in, k, got[k], v)
			}
		}
	}
	if code, ok := classCode(DefaultClassCodes(), hotel.ClassNational); !ok || code != "2" {
		t.Errorf("classCode(national) = %q, %v", code, ok)
	}
}

func TestDateTime(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	tests := []struct {
		da, ti  string
		want    time.Time
		wantErr bool
	}{
		{da: "261208", ti: "070000", want: time.Date(2026, 12, 8, 7, 0, 0, 0, rome)},
		{da: "261208", ti: "0730", want: time.Date(2026, 12, 8, 7, 30, 0, 0, rome)},
		{da: "261308", ti: "0700", wantErr: true},
		{da: "2612", ti: "0700", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.da, tt.ti, rome)
		if tt.wantErr != (err != nil) || !got.Equal(tt.want) {
			t.Errorf("ParseDateTime(%q, %q) = %v, %v; want %v (error %v)", tt.da, tt.ti, got, err, tt.want, tt.wantErr)
		}
	}
	if got := isoDate("261210"); got != "2026-12-10" {
		t.Errorf("isoDate = %q", got)
	}
	for d, want := range map[time.Duration]string{125 * time.Second: "000205", 3601500 * time.Millisecond: "010002", -time.Second: "000000", 200 * time.Hour: "995959"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", d, got, want)
		}
	}
}

func FuzzParseClassCodes(f *testing.F) {
	for _, s := range []string{"0=internal,1=local", "", "=", "a=b=c", "0=local,0=national"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClassCodes(s)
		if err != nil {
			return
		}
		for code, c := range m {
			if code == "" || strings.ContainsAny(code, "|\x02\x03") || c.Rank() < 0 {
				t.Fatalf("ParseClassCodes(%q) gave %q=%q", s, code, c)
			}
		}
	})
}

func FuzzParseDateTime(f *testing.F) {
	f.Add("261208", "070000")
	f.Add("", "0700")
	f.Add("991231", "2359")
	f.Fuzz(func(t *testing.T, da, ti string) {
		got, err := ParseDateTime(da, ti, time.UTC)
		if err != nil {
			return
		}
		if d, tm := stamp(got); d != da || (tm != ti && tm != ti+"00") {
			t.Fatalf("ParseDateTime(%q, %q) = %v, renders %s %s", da, ti, got, d, tm)
		}
	})
}

func FuzzLearn(f *testing.F) {
	f.Add("GI", "RNG#GN")
	f.Add("PS", "RNP")
	f.Fuzz(func(t *testing.T, ri, fl string) {
		d := Definitions{}
		if !d.Learn(NewRecord("LR", "RI", ri, "FL", fl)) {
			return
		}
		if got := strings.Join(d[ri], ""); got != fl {
			t.Fatalf("Learn(RI %q FL %q) = %q", ri, fl, got)
		}
	})
}
