package ldapsrc_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
)

func TestParseGeneralizedTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "20261207194500Z", want: time.Date(2026, 12, 7, 19, 45, 0, 0, time.UTC)},
		{in: "199412161032Z", want: time.Date(1994, 12, 16, 10, 32, 0, 0, time.UTC)},     // RFC 4517's example
		{in: "199412160532-0500", want: time.Date(1994, 12, 16, 10, 32, 0, 0, time.UTC)}, // RFC 4517's example
		{in: "2026120719Z", want: time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)},
		{in: "2026120719.5Z", want: time.Date(2026, 12, 7, 19, 30, 0, 0, time.UTC)},
		{in: "20261207194500.25Z", want: time.Date(2026, 12, 7, 19, 45, 0, 250_000_000, time.UTC)},
		{in: "20261207194500,5+0130", want: time.Date(2026, 12, 7, 18, 15, 0, 500_000_000, time.UTC)},
		{in: "20161231235960Z", want: time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC)}, // leap second
		{in: "20261207194500", bad: true},                                               // no zone
		{in: "20260230120000Z", bad: true},                                              // 30 February
		{in: "20261307120000Z", bad: true},
		{in: "2026120712000Z", bad: true},
		{in: "20261207120000.Z", bad: true},
		{in: "20261207120000Zjunk", bad: true},
		{in: "20261207120000+2", bad: true},
		{in: "", bad: true},
	} {
		got, err := ldapsrc.ParseGeneralizedTime(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted as %v", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseGeneralizedTime(f *testing.F) {
	for _, s := range []string{"20261207194500Z", "199412160532-0500", "2026120719.5Z", "20261207194500,5+0130", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ldapsrc.ParseGeneralizedTime(s)
		if err != nil {
			return
		}
		// What parses formats to a second-precision time that parses back to itself.
		back, err := ldapsrc.ParseGeneralizedTime(ldapsrc.FormatGeneralizedTime(tm))
		if err != nil || !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("%q → %v → %q → %v, %v", s, tm, ldapsrc.FormatGeneralizedTime(tm), back, err)
		}
	})
}

func TestFormatGUID(t *testing.T) {
	// The GUID {6F9619FF-8B86-D011-B42D-00C04FC964FF} is stored (Data1..Data3 little-endian) as the
	// bytes FF 19 96 6F 86 8B 11 D0 B4 2D 00 C0 4F C9 64 FF.
	raw := []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	got, err := ldapsrc.FormatGUID(raw)
	if err != nil || got != "6f9619ff-8b86-d011-b42d-00c04fc964ff" {
		t.Fatalf("got %q, %v", got, err)
	}
	back, err := ldapsrc.ParseGUID("{6F9619FF-8B86-D011-B42D-00C04FC964FF}")
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("ParseGUID: % x, %v", back, err)
	}
	if _, err := ldapsrc.FormatGUID(raw[:15]); err == nil {
		t.Fatal("15 bytes accepted")
	}
}

func FuzzGUID(f *testing.F) {
	f.Add([]byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}, "{6F9619FF-8B86-D011-B42D-00C04FC964FF}")
	f.Add([]byte{1, 2, 3}, "not a guid")
	f.Fuzz(func(t *testing.T, raw []byte, s string) {
		if g, err := ldapsrc.FormatGUID(raw); err == nil {
			back, err := ldapsrc.ParseGUID(g)
			if err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("% x → %q → % x, %v", raw, g, back, err)
			}
		}
		if b, err := ldapsrc.ParseGUID(s); err == nil {
			if _, err := ldapsrc.FormatGUID(b); err != nil {
				t.Fatalf("%q parsed to % x that does not format: %v", s, b, err)
			}
		}
	})
}

func TestDetectFlavor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string][]string
		want  string
	}{
		{name: "AD domain controller", attrs: map[string][]string{"isGlobalCatalogReady": {"TRUE"}, "supportedCapabilities": {"1.2.840.113556.1.4.800"}}, want: ldapsrc.FlavorAD},
		{name: "AD capability only", attrs: map[string][]string{"supportedCapabilities": {"1.2.840.113556.1.4.1670", "1.2.840.113556.1.4.800"}}, want: ldapsrc.FlavorAD},
		{name: "AD LDS", attrs: map[string][]string{"supportedCapabilities": {"1.2.840.113556.1.4.1851"}}, want: ldapsrc.FlavorAD},
		{name: "OpenLDAP", attrs: map[string][]string{"namingContexts": {"dc=example,dc=com"}}, want: ldapsrc.FlavorOpenLDAP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ldapsrc.DetectFlavor(ldap.NewEntry("", tc.attrs)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
