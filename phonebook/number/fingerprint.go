package number

import (
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// rulesVersion changes when this package's index keys change for the same
// settings; the store re-indexes its numbers when the fingerprint does.
const rulesVersion = "1"

// Fingerprint identifies the rules Index follows: the settings that change
// a stored number's normalised form or index keys (region, extension
// length, trunk prefixes, possible numbers), this package's rules version
// and the phone-number metadata's version (a new libphonenumber release
// can make a range valid). Two Normalizers with the same fingerprint index
// every number alike. The store keeps it and re-indexes its numbers when
// it changes.
func (n *Normalizer) Fingerprint() string {
	var b strings.Builder
	b.WriteString("rules=" + rulesVersion)
	b.WriteString(" region=" + n.region)
	b.WriteString(" extension_max_len=" + strconv.Itoa(n.extMax))
	b.WriteString(" trunk_prefixes=" + strings.Join(n.trunks, ","))
	b.WriteString(" accept_possible=" + strconv.FormatBool(n.acceptPoss))
	if v := metadataVersion(); v != "" {
		b.WriteString(" metadata=" + v)
	}
	return b.String()
}

// metadataVersion is the version of the phonenumbers module built in ("" when
// the binary carries no build information).
var metadataVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/nyaruka/phonenumbers" {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
})
