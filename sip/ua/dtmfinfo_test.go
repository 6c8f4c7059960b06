package ua

import "testing"

func TestParseDTMFInfo(t *testing.T) {
	tests := []struct {
		ct, body string
		digit    rune
		ok       bool
	}{
		{ct: "application/dtmf-relay", body: "Signal=5\r\nDuration=160\r\n", digit: '5', ok: true},
		{ct: "Application/DTMF-Relay; charset=x", body: "signal = #\nDuration=100", digit: '#', ok: true},
		{ct: "application/dtmf-relay", body: "Duration=160\r\nSignal=10\r\n", digit: '*', ok: true},
		{ct: "application/dtmf-relay", body: "Signal=11", digit: '#', ok: true},
		{ct: "application/dtmf-relay", body: "Signal=d", digit: 'D', ok: true},
		{ct: "application/dtmf", body: "7\r\n", digit: '7', ok: true},
		{ct: "application/dtmf-relay", body: "Signal=16", ok: false},
		{ct: "application/dtmf-relay", body: "Signal=55", ok: false},
		{ct: "application/dtmf-relay", body: "Signal=E", ok: false},
		{ct: "application/dtmf-relay", body: "Duration=160", ok: false},
		{ct: "application/sdp", body: "Signal=5", ok: false},
		{ct: "application/dtmf", body: "", ok: false},
	}
	for _, tt := range tests {
		d, ok := parseDTMFInfo(tt.ct, []byte(tt.body))
		if d != tt.digit || ok != tt.ok {
			t.Errorf("parseDTMFInfo(%q, %q) = %q, %v; want %q, %v", tt.ct, tt.body, d, ok, tt.digit, tt.ok)
		}
	}
}

func FuzzDTMFInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("application/dtmf-relay", []byte("Signal=11"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, ok := parseDTMFInfo(ct, body)
		if !ok {
			if d != 0 {
				t.Fatalf("digit %q with ok false", d)
			}
			return
		}
		switch {
		case d >= '0' && d <= '9', d == '*', d == '#', d >= 'A' && d <= 'D':
		default:
			t.Fatalf("parseDTMFInfo(%q, %q) = %q: not a DTMF digit", ct, body, d)
		}
	})
}
