package number

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Config configures a Normalizer. The zero value is usable: no default
// region (only numbers with '+' parse), extensions up to 6 digits, no trunk
// prefixes, valid numbers only, a 64 Ki entry probe cache.
type Config struct {
	// DefaultRegion is the ISO 3166 alpha-2 region numbers without '+' are
	// read in, e.g. "BA", "DE", "US" (case-insensitive). "" means only
	// +E.164 input parses; national forms then match exactly or not at all.
	DefaultRegion string
	// ExtensionMaxLen: numbers of at most this many digits without '+' are
	// internal extensions that match exactly only. 0 means 6; at most 15.
	ExtensionMaxLen int
	// TrunkPrefixes are digits the PBX puts in front of outside numbers
	// (e.g. "0" or "9"). When a number without '+' does not validate as
	// given and starts with one of them, it is parsed again without it.
	TrunkPrefixes []string
	// AcceptPossible gives numbers that are only possible (right length for
	// the country, not in a known range) an E.164 key too. Without it they
	// are reachable only on the national level.
	AcceptPossible bool
	// CacheSize bounds the raw→Probe cache (entries). 0 means 65536; a
	// negative value disables the cache.
	CacheSize int
}

// Defaults for the zero Config.
const (
	DefaultExtensionMaxLen = 6
	DefaultCacheSize       = 1 << 16
	maxExtensionMaxLen     = 15
)

// Normalizer turns raw numbers into index keys. It is safe for concurrent
// use; create it with New.
type Normalizer struct {
	region     string
	extMax     int
	trunks     []string
	acceptPoss bool
	// cc[c] describes country calling code c (1..999) for the +digits fast
	// path: known code, and its national (trunk) prefix if any.
	cc    [1000]ccInfo
	cache *lru // nil when disabled
}

type ccInfo struct {
	known bool
	ndd   string
}

// New validates cfg and returns a Normalizer. Errors name the offending
// Config field.
func New(cfg Config) (*Normalizer, error) {
	n := &Normalizer{acceptPoss: cfg.AcceptPossible}
	if cfg.DefaultRegion != "" {
		r := strings.ToUpper(strings.TrimSpace(cfg.DefaultRegion))
		if !phonenumbers.GetSupportedRegions()[r] {
			return nil, fmt.Errorf("number: Config.DefaultRegion: unknown region %q (want an ISO 3166 alpha-2 code such as BA, DE, US)", cfg.DefaultRegion)
		}
		n.region = r
	}
	switch {
	case cfg.ExtensionMaxLen == 0:
		n.extMax = DefaultExtensionMaxLen
	case cfg.ExtensionMaxLen < 0 || cfg.ExtensionMaxLen > maxExtensionMaxLen:
		return nil, fmt.Errorf("number: Config.ExtensionMaxLen: %d out of range 1..%d", cfg.ExtensionMaxLen, maxExtensionMaxLen)
	default:
		n.extMax = cfg.ExtensionMaxLen
	}
	for i, p := range cfg.TrunkPrefixes {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return nil, fmt.Errorf("number: Config.TrunkPrefixes[%d]: %q is not 1 to 4 digits", i, p)
		}
		n.trunks = append(n.trunks, p)
	}
	switch {
	case cfg.CacheSize == 0:
		n.cache = newLRU(DefaultCacheSize)
	case cfg.CacheSize > 0:
		n.cache = newLRU(cfg.CacheSize)
	}
	for c := range phonenumbers.GetSupportedCallingCodes() {
		if c <= 0 || c >= len(n.cc) {
			continue
		}
		info := ccInfo{known: true}
		if reg := phonenumbers.GetRegionCodeForCountryCode(c); reg != "" && reg != "001" {
			info.ndd = phonenumbers.GetNddPrefixForRegion(reg, true)
		}
		n.cc[c] = info
	}
	return n, nil
}

// Region returns the configured default region ("" if none).
func (n *Normalizer) Region() string { return n.region }

// ExtensionMaxLen returns the effective extension length limit.
func (n *Normalizer) ExtensionMaxLen() int { return n.extMax }
