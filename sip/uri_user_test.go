package sip

import (
	"net/url"
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

func TestUnescapeUser(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "061111111", want: "061111111", ok: true},
		{in: "%2B38761111111", want: "+38761111111", ok: true},
		{in: "%2b3876%31111111", want: "+38761111111", ok: true},
		{in: "+38761111111", want: "+38761111111", ok: true},
		{in: "%61nonymous", want: "anonymous", ok: true},
		{in: "", want: "", ok: true},
		{in: "100%", ok: false},
		{in: "%2", ok: false},
		{in: "%zz1", ok: false},
		{in: "%%41", ok: false},
	}
	for _, tt := range tests {
		got, ok := unescapeUser(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("unescapeUser(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestCallerNumberEscaped: an escaped user part is decoded before anything looks at it, in From
// and in P-Asserted-Identity, sip: and tel: alike; decoding to "anonymous" is a withheld number.
func TestCallerNumberEscaped(t *testing.T) {
	tests := []struct{ headers, want string }{
		{headers: "From: <sip:%2B38761111111@gw>;tag=1\r\n", want: "+38761111111"},
		{headers: "From: \"Ana\" <sip:%2b3876%31111111@gw;user=phone>;tag=1\r\n", want: "+38761111111"},
		{headers: "From: <tel:%2B38761111111>;tag=1\r\n", want: "+38761111111"},
		{headers: "From: <sip:1@gw>;tag=1\r\nP-Asserted-Identity: <sip:%2B38762222222@gw>\r\n", want: "+38762222222"},
		{headers: "From: <sip:%61nonymous@gw>;tag=1\r\n", want: AnonymousNumber},
		{headers: "From: <sip:12%3@gw>;tag=1\r\n", want: ""},
	}
	for _, tt := range tests {
		raw := "INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + tt.headers +
			"To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
		msg, err := sipmsg.ParseMessage([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", tt.headers, err)
		}
		if got := CallerNumber(msg.(*sipmsg.Request)); got != tt.want {
			t.Errorf("CallerNumber(%q) = %q, want %q", tt.headers, got, tt.want)
		}
	}
}

// FuzzUnescapeUser: decoding never panics, leaves text without '%' alone, agrees with
// url.PathUnescape on what it accepts, and undoes any escaping of any bytes.
func FuzzUnescapeUser(f *testing.F) {
	for _, s := range []string{"%2B38761111111", "061111111", "%2b3876%31111111", "100%", "%2", "%zz", "%00%0d%0A", "+%2B+", "%61nonymous"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := unescapeUser(s)
		if !strings.Contains(s, "%") && (!ok || got != s) {
			t.Fatalf("unescapeUser(%q) = %q, %v: text without escapes changed", s, got, ok)
		}
		want, err := url.PathUnescape(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("unescapeUser(%q) = %q, %v; url.PathUnescape gives %q, %v", s, got, ok, want, err)
		}
		var esc strings.Builder
		for i := 0; i < len(s); i++ {
			esc.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[s[i]>>4])+string("0123456789abcdef"[s[i]&15])))
		}
		if back, ok := unescapeUser(esc.String()); !ok || back != s {
			t.Fatalf("unescapeUser(escape(%q)) = %q, %v", s, back, ok)
		}
	})
}
