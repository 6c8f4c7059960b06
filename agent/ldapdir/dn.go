package ldapdir

import (
	"encoding/hex"
	"errors"
	"strings"
)

// rdn is one attribute=value pair of a DN, normalised: the attribute
// lower case, the value unescaped and lower case.
type rdn struct{ attr, value string }

// errDN is a DN that does not parse.
var errDN = errors.New("invalid DN")

// parseDN splits a DN (RFC 4514) into normalised RDNs; multi-valued RDNs
// (+) are kept as one value. "" is the root.
func parseDN(s string) ([]rdn, error) {
	var out []rdn
	s = strings.TrimSpace(s)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, errDN
		}
		attr := strings.ToLower(strings.TrimSpace(s[:eq]))
		if c := canonical(attr); c != "" {
			attr = strings.ToLower(c)
		}
		s = s[eq+1:]
		var v strings.Builder
		i := 0
		for ; i < len(s); i++ {
			c := s[i]
			if c == ',' || c == ';' {
				break
			}
			if c == '\\' {
				if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
					b, _ := hex.DecodeString(s[i+1 : i+3])
					v.Write(b)
					i += 2
					continue
				}
				if i+1 < len(s) {
					i++
					v.WriteByte(s[i])
					continue
				}
				return nil, errDN
			}
			v.WriteByte(c)
		}
		out = append(out, rdn{attr: attr, value: strings.ToLower(strings.TrimSpace(v.String()))})
		if i < len(s) {
			i++ // the separator
		}
		s = strings.TrimSpace(s[i:])
	}
	return out, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// sameDN reports whether a and b are the same normalised DN.
func sameDN(a, b []rdn) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// under reports whether dn ends with base (dn equal to base included),
// returning the RDNs above base.
func under(dn, base []rdn) ([]rdn, bool) {
	if len(dn) < len(base) {
		return nil, false
	}
	if !sameDN(dn[len(dn)-len(base):], base) {
		return nil, false
	}
	return dn[:len(dn)-len(base)], true
}
