package number

import (
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

var fuzzSeeds = []string{
	"+38761111111", "0038761111111", "061 111-111", "061111111", "tel:+387-61-111-111",
	"sip:061111111@gw;user=phone", "61111111", "38761111111", "tel:061111111;phone-context=+387",
	"1805", "anonymous", "", "+", "<sip:+12125550100@x>", "0112125550100", "(212) 555-0100",
	"+387061111111", "9061111111", "tel:1;phone-context=+1", "sip:;phone-context=+9@", "\u00a0+1\u2011",
	"+999123456", "+12", "0000000000000000000000000",
}

// FuzzProbe: Probe never panics, and a stored number always finds itself
// (Normalize and Probe agree), with or without the cache.
func FuzzProbe(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "BA")
		f.Add(s, "US")
	}
	f.Add("+49301234567", "")
	normalizers := map[string]*Normalizer{}
	f.Fuzz(func(t *testing.T, raw, region string) {
		if region != "" && region != "BA" && region != "US" && region != "DE" {
			region = "BA"
		}
		n := normalizers[region]
		if n == nil {
			var err error
			n, err = New(Config{DefaultRegion: region, TrunkPrefixes: []string{"0"}, CacheSize: 128})
			if err != nil {
				t.Fatal(err)
			}
			normalizers[region] = n
		}
		norm := n.Normalize(raw)
		p := n.Probe(raw)
		again := n.Probe(raw)
		if p.Skip != again.Skip || p.E164 != again.E164 || len(p.Levels) != len(again.Levels) {
			t.Fatalf("cached probe differs: %+v vs %+v", p, again)
		}
		keys := norm.IndexKeys()
		if norm.Kind == KindRejected {
			if !p.Skip || len(keys) != 0 {
				t.Fatalf("rejected %q: probe %+v keys %q", raw, p, keys)
			}
			return
		}
		if p.Skip {
			t.Fatalf("%q normalises to %+v but Probe skips it", raw, norm)
		}
		if got := match(n, raw, raw); got != phonebook.MatchExact && got != phonebook.MatchExtension {
			t.Fatalf("%q does not find itself exactly: %s (keys %q, probe %+v)", raw, got, keys, p)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, PrefixExact) && !strings.HasPrefix(k, PrefixExtension) &&
				!strings.HasPrefix(k, PrefixE164) && !strings.HasPrefix(k, PrefixNational) {
				t.Fatalf("bad key %q", k)
			}
		}
		// Extensions and long numbers never share a key.
		if norm.Kind == KindExtension {
			if len(p.Levels) != 1 || p.Levels[0].Kind != phonebook.MatchExtension {
				t.Fatalf("extension %q probes %+v", raw, p)
			}
		}
		// Probe (fast path or parser) and Normalize agree on the E.164 key.
		if norm.E164 != "" {
			found := false
			for _, l := range p.Levels {
				if l.Kind == phonebook.MatchE164 && l.Keys[0] == PrefixE164+norm.E164 {
					found = true
				}
			}
			if !found {
				t.Fatalf("%q: Normalize gives E.164 %s, Probe levels %+v", raw, norm.E164, p.Levels)
			}
		}
		// The E.164 form, as input, meets the stored number at the exact
		// or e164 level.
		if norm.E164 != "" {
			if got := match(n, raw, norm.E164); got != phonebook.MatchE164 && got != phonebook.MatchExact {
				t.Fatalf("stored %q (%+v): its E.164 %q matches as %s", raw, norm, norm.E164, got)
			}
		}
	})
}
