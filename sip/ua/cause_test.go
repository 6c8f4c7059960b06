package ua

import "testing"

func TestCauseOf(t *testing.T) {
	tests := []struct {
		status, cause int
	}{
		{status: 200, cause: 16},
		{status: 400, cause: 41},
		{status: 401, cause: 21},
		{status: 403, cause: 21},
		{status: 404, cause: 1},
		{status: 405, cause: 63},
		{status: 407, cause: 21},
		{status: 408, cause: 102},
		{status: 410, cause: 22},
		{status: 480, cause: 18},
		{status: 484, cause: 28},
		{status: 486, cause: 17},
		{status: 487, cause: 127},
		{status: 488, cause: 127},
		{status: 499, cause: 21}, // unknown 4xx
		{status: 502, cause: 38},
		{status: 503, cause: 41},
		{status: 504, cause: 102},
		{status: 555, cause: 38}, // unknown 5xx
		{status: 600, cause: 17},
		{status: 603, cause: 21},
		{status: 604, cause: 1},
		{status: 606, cause: 58},
		{status: 699, cause: 31}, // unknown 6xx
		{status: 302, cause: 127},
	}
	for _, tt := range tests {
		if got := CauseOf(tt.status); got != tt.cause {
			t.Errorf("CauseOf(%d) = %d, want %d", tt.status, got, tt.cause)
		}
	}
}

func TestReasonCause(t *testing.T) {
	tests := []struct {
		value string
		cause int
		ok    bool
	}{
		{value: "Q.850;cause=16", cause: 16, ok: true},
		{value: `Q.850 ; cause=17 ;text="User busy"`, cause: 17, ok: true},
		{value: `SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26`, cause: 26, ok: true},
		{value: `q.850;CAUSE=31`, cause: 31, ok: true},
		{value: `Q.850;text="a;cause=3,b";cause=21`, cause: 21, ok: true},
		{value: "SIP;cause=487", ok: false},
		{value: "Q.850;cause=128", ok: false},
		{value: "Q.850;cause=-1", ok: false},
		{value: "Q.850;cause=+1", ok: false},
		{value: "Q.850;cause=", ok: false},
		{value: "Q.850", ok: false},
		{value: "", ok: false},
	}
	for _, tt := range tests {
		cause, ok := reasonCause(tt.value)
		if cause != tt.cause || ok != tt.ok {
			t.Errorf("reasonCause(%q) = %d, %v, want %d, %v", tt.value, cause, ok, tt.cause, tt.ok)
		}
	}
	if got, ok := reasonCause(reasonHeader(34)); got != 34 || !ok {
		t.Errorf("round trip of reasonHeader(34) = %d, %v", got, ok)
	}
}

func FuzzReason(f *testing.F) {
	for _, s := range []string{"Q.850;cause=16", `SIP;cause=200;text="x", Q.850;cause=26`, `Q.850;text="\"";cause=1`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cause, ok := reasonCause(s)
		if ok && (cause < 0 || cause > 127) {
			t.Fatalf("reasonCause(%q) = %d, out of 0-127", s, cause)
		}
		if !ok && cause != 0 {
			t.Fatalf("reasonCause(%q) = %d with ok false", s, cause)
		}
	})
}

func TestParseSipfrag(t *testing.T) {
	tests := []struct {
		body   string
		status int
		reason string
		ok     bool
	}{
		{body: "SIP/2.0 200 OK\r\n", status: 200, reason: "OK", ok: true},
		{body: "SIP/2.0 100 Trying", status: 100, reason: "Trying", ok: true},
		{body: "SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n", status: 486, reason: "Busy Here", ok: true},
		{body: "SIP/2.0 603\n", status: 603, ok: true},
		{body: "SIP/2.0 20 OK", ok: false},
		{body: "SIP/2.0 2000 OK", ok: false},
		{body: "SIP/2.0 099 x", ok: false},
		{body: "SIP/2.0 abc OK", ok: false},
		{body: "HTTP/1.1 200 OK", ok: false},
		{body: "", ok: false},
	}
	for _, tt := range tests {
		status, reason, err := parseSipfrag([]byte(tt.body))
		if (err == nil) != tt.ok || status != tt.status || reason != tt.reason {
			t.Errorf("parseSipfrag(%q) = %d, %q, %v; want %d, %q, ok %v", tt.body, status, reason, err, tt.status, tt.reason, tt.ok)
		}
	}
	if st, r, err := parseSipfrag(sipfrag(180, "Ringing")); st != 180 || r != "Ringing" || err != nil {
		t.Errorf("round trip of sipfrag(180) = %d, %q, %v", st, r, err)
	}
}

func FuzzSipfrag(f *testing.F) {
	for _, s := range []string{"SIP/2.0 200 OK\r\n", "SIP/2.0 100 Trying", "SIP/2.0 486 Busy Here\r\nX: y\r\n", "SIP/2.0 6"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		status, _, err := parseSipfrag(b)
		if err == nil && (status < 100 || status > 699) {
			t.Fatalf("parseSipfrag(%q) = %d", b, status)
		}
		if err != nil && status != 0 {
			t.Fatalf("parseSipfrag(%q) = %d with an error", b, status)
		}
	})
}
