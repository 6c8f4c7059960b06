package provisioning

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseUserAgent: any header parses without panic; a MAC, when found,
// is 12 lower-case hex digits; a vendor is always a known one.
func FuzzParseUserAgent(f *testing.F) {
	for _, s := range []string{
		"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37", "W52P 25.30.0.2 00:15:65:44:b3:7c", "yealink",
		"Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)", "Linksys/", "FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430",
		"Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872", "Mozilla/4.0 (compatible; snomD785-SIP 10.1 000413922D24)",
		"Fanvil X5U-V2 2.12.1 0c3800000000)", "Fanvil", " ", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		p, ok := ParseUserAgent(ua)
		if !ok {
			return
		}
		if _, known := ParseVendor(string(p.Vendor)); !known {
			t.Fatalf("vendor %q", p.Vendor)
		}
		if p.MAC != "" {
			if m, ok := ParseMAC(p.MAC); !ok || m != p.MAC {
				t.Fatalf("MAC %q not normal", p.MAC)
			}
		}
	})
}

// FuzzNegotiateCharset: any Accept-Charset gives one of the two charsets.
func FuzzNegotiateCharset(f *testing.F) {
	for _, s := range []string{"", "utf-8", "iso-8859-1, utf-8;q=0.8", "*;q=0", "utf-8;q=x", ";;,,=q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if c := NegotiateCharset(h); c != UTF8 && c != Latin1 {
			t.Fatalf("charset %q", c)
		}
	})
}

// FuzzTruncate: cuts stay valid UTF-8 within their bound and are prefixes.
func FuzzTruncate(f *testing.F) {
	f.Add("Zoë 🎉 王", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 100
		s = Clean(s)
		b := TruncateBytes(s, n)
		r := TruncateRunes(s, n)
		if !utf8.ValidString(b) || !utf8.ValidString(r) || len(b) > max(n, 0) || utf8.RuneCountInString(r) > max(n, 0) {
			t.Fatalf("cut %q n=%d → %q / %q", s, n, b, r)
		}
		if s[:len(b)] != b || s[:len(r)] != r {
			t.Fatal("not a prefix")
		}
	})
}
