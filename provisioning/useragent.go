package provisioning

import (
	"regexp"
	"strings"
)

// Vendor names a phone maker, as used in URLs and the phone registry.
type Vendor string

// Known vendors.
const (
	Yealink     Vendor = "yealink"
	Cisco       Vendor = "cisco"
	Polycom     Vendor = "polycom"
	Grandstream Vendor = "grandstream"
	Snom        Vendor = "snom"
	Fanvil      Vendor = "fanvil"
)

// Vendors returns the supported vendors.
func Vendors() []Vendor { return []Vendor{Yealink, Cisco, Polycom, Grandstream, Snom, Fanvil} }

// ParseVendor maps a case-insensitive name to a Vendor.
func ParseVendor(s string) (Vendor, bool) {
	v := Vendor(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Vendors() {
		if v == k {
			return v, true
		}
	}
	return "", false
}

// ParseMAC normalises a MAC address written with colons, dashes, dots or
// nothing, in any case, to 12 lower-case hex digits.
func ParseMAC(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			b.WriteRune(r)
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + ('a' - 'A'))
		case r == ':' || r == '-' || r == '.':
		default:
			return "", false
		}
	}
	if b.Len() != 12 {
		return "", false
	}
	return b.String(), true
}

// UserAgent is what a phone's User-Agent says about it. The MAC it carries
// can pick a file but is never proof of identity.
type UserAgent struct {
	Vendor Vendor
	Model  string
	MAC    string // 12 lower-case hex digits, or empty
}

var (
	hex12      = regexp.MustCompile(`(?i)(?:^|[^0-9a-f:])((?:[0-9a-f]{2}:){5}[0-9a-f]{2}|[0-9a-f]{12})(?:$|[^0-9a-f:])`)
	yealinkRe  = regexp.MustCompile(`(?i)^(?:yealink[ -](?:sip[ -])?)?((?:vp-)?[a-z]+\d+[a-z0-9]*)`)
	ciscoRe    = regexp.MustCompile(`(?i)^(?:cisco|linksys)/([a-z0-9-]+)-\d+\.\d`)
	polycomRe  = regexp.MustCompile(`(?i)polycom[a-z]*-([a-z0-9_]+)-ua/`)
	gsRe       = regexp.MustCompile(`(?i)^grandstream (?:model hw )?([a-z0-9]+)`)
	snomRe     = regexp.MustCompile(`(?i)snom([a-z0-9]+)-sip`)
	fanvilRe   = regexp.MustCompile(`(?i)^fanvil (.+?) \d+\.\d`)
	snomMACRe  = regexp.MustCompile(`(?i)\b(000413[0-9a-f]{6})\b`)
	gsMACRe    = regexp.MustCompile(`(?i)devid ([0-9a-f]{12})`)
	ciscoMACRe = regexp.MustCompile(`(?i)\(([0-9a-f]{12})\)`)
)

// ParseUserAgent recognises the vendor, model and MAC in a phone's
// User-Agent, tolerating case, double spaces, colon or bare MACs and
// trailing junk, as in the User-Agent strings public provisioning servers
// record (github.com/wazo-platform/wazo-provd-plugins
// plugins/wazo_<vendor>/common/common.py; github.com/fusionpbx/fusionpbx
// app/provision/index.php). It reports false for unknown agents.
func ParseUserAgent(ua string) (UserAgent, bool) {
	s := strings.Join(strings.Fields(ua), " ")
	low := strings.ToLower(s)
	var out UserAgent
	switch {
	case strings.HasPrefix(low, "yealink") || strings.HasPrefix(low, "w52p") || strings.HasPrefix(low, "w60b"):
		out.Vendor = Yealink
		if m := yealinkRe.FindStringSubmatch(s); m != nil {
			out.Model = strings.ToUpper(m[1])
		}
		fields := strings.Fields(s)
		if mac, ok := ParseMAC(fields[len(fields)-1]); ok {
			out.MAC = mac
		}
	case strings.HasPrefix(low, "cisco/") || strings.HasPrefix(low, "linksys/"):
		out.Vendor = Cisco
		if m := ciscoRe.FindStringSubmatch(s); m != nil {
			out.Model = m[1]
		}
		if m := ciscoMACRe.FindStringSubmatch(s); m != nil {
			out.MAC, _ = ParseMAC(m[1])
		}
	case strings.Contains(low, "polycom"):
		out.Vendor = Polycom
		if m := polycomRe.FindStringSubmatch(s); m != nil {
			out.Model = m[1]
		}
	case strings.HasPrefix(low, "grandstream"):
		out.Vendor = Grandstream
		if m := gsRe.FindStringSubmatch(s); m != nil {
			out.Model = strings.ToUpper(m[1])
		}
		if m := gsMACRe.FindStringSubmatch(s); m != nil {
			out.MAC, _ = ParseMAC(m[1])
		}
	case strings.Contains(low, "snom"):
		out.Vendor = Snom
		if m := snomRe.FindStringSubmatch(s); m != nil {
			out.Model = m[1]
		}
		if m := snomMACRe.FindStringSubmatch(s); m != nil {
			out.MAC, _ = ParseMAC(m[1])
		}
	case strings.HasPrefix(low, "fanvil"):
		out.Vendor = Fanvil
		if m := fanvilRe.FindStringSubmatch(s); m != nil {
			out.Model = m[1]
		}
		fields := strings.Fields(s)
		last := strings.Map(func(r rune) rune {
			if strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return r
			}
			return -1
		}, fields[len(fields)-1])
		out.MAC, _ = ParseMAC(last)
	default:
		return UserAgent{}, false
	}
	if out.MAC == "" && out.Vendor != Polycom && out.Vendor != Snom {
		if m := hex12.FindStringSubmatch(s); m != nil && out.Vendor != Yealink {
			out.MAC, _ = ParseMAC(m[1])
		}
	}
	return out, true
}
