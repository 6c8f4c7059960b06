package number

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// regionNormalizers caches one cache-less Normalizer per region for the
// all-regions tests (New checks the region's fast paths, a few ms each).
var regionNormalizers sync.Map

func regionNormalizer(t *testing.T, region string) *Normalizer {
	t.Helper()
	if n, ok := regionNormalizers.Load(region); ok {
		return n.(*Normalizer)
	}
	n, err := New(Config{DefaultRegion: region, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	regionNormalizers.Store(region, n)
	return n
}

// slowProbe is probe without the parser-free paths.
func slowProbe(n *Normalizer, raw string) Probe {
	var buf cleanBuf
	c, ok := clean(raw, &buf)
	if !ok || (!c.plus && len(c.b) <= n.extMax) {
		return n.probe(raw)
	}
	pr := n.parse(string(c.b), c.plus)
	if pr.nsn == "" {
		return buildProbe(c.b, pr.e164, "", "")
	}
	return buildProbe(c.b, pr.e164, fmt.Sprint(pr.cc), pr.nsn)
}

// TestFastPathAgreesWithParser checks, with every supported region as the
// default region, that for the E.164, national and international forms of
// every example number the metadata knows, the parser-free paths yield the
// same levels as parsing does.
func TestFastPathAgreesWithParser(t *testing.T) {
	types := exampleTypes
	regions := 0
	fastCount := map[string]int{}
	for region := range phonenumbers.GetSupportedRegions() {
		n := regionNormalizer(t, region)
		regions++
		for _, typ := range types {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil || !phonenumbers.IsValidNumber(ex) {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			e := phonenumbers.Format(ex, phonenumbers.E164)
			forms := map[string]string{"e164": e}
			if n.ndd != "" {
				forms["national"] = n.ndd + nsn
			}
			if n.idd != "" {
				forms["idd"] = n.idd + e[1:]
			}
			for form, raw := range forms {
				var buf cleanBuf
				c, _ := clean(raw, &buf)
				if _, ok := n.fast(c); !ok {
					continue
				}
				fastCount[form]++
				fast, slow := n.probe(raw), slowProbe(n, raw)
				if !reflect.DeepEqual(fast, slow) {
					t.Errorf("region %s %v %s form %q: fast %+v, parser %+v", region, typ, form, raw, fast, slow)
				}
			}
		}
	}
	for _, form := range []string{"e164", "national", "idd"} {
		if fastCount[form] < 200 {
			t.Errorf("only %d %s-form example numbers took the fast path", fastCount[form], form)
		}
	}
	t.Logf("%d regions, fast path taken: %v", regions, fastCount)
}

func TestRegionFastPaths(t *testing.T) {
	for _, tt := range []struct{ region, cc, ndd, idd string }{
		{"BA", "387", "0", "00"}, {"DE", "49", "0", "00"}, {"US", "1", "1", "011"},
	} {
		n, err := New(Config{DefaultRegion: tt.region})
		if err != nil {
			t.Fatal(err)
		}
		if n.regionCC != tt.cc || n.ndd != tt.ndd || n.idd != tt.idd {
			t.Errorf("%s: cc %q ndd %q idd %q, want %q %q %q", tt.region, n.regionCC, n.ndd, n.idd, tt.cc, tt.ndd, tt.idd)
		}
	}
}

func TestProbeCache(t *testing.T) {
	n, err := New(Config{DefaultRegion: "BA", CacheSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	first := n.Probe("061 111-111")
	second := n.Probe("061 111-111")
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("cached probe differs: %+v vs %+v", first, second)
	}
	if got := n.cache.len(); got != 1 {
		t.Errorf("cache holds %d entries, want 1", got)
	}
	n.Probe("anonymous")
	if got := n.cache.len(); got != 1 {
		t.Errorf("skip results are cached: %d entries, want 1", got)
	}
	for i := 0; i < 1000; i++ {
		n.Probe(fmt.Sprintf("+3876%07d", i))
	}
	if got := n.cache.len(); got > 32 {
		t.Errorf("cache holds %d entries, bound is 32", got)
	}
	// A recent entry survives; results stay correct after eviction.
	if p := n.Probe("+38760000999"); p.E164 != "+38760000999" {
		t.Errorf("after eviction: %+v", p)
	}
	if p := n.Probe("061 111-111"); !reflect.DeepEqual(p, first) {
		t.Errorf("re-probe after eviction: %+v, want %+v", p, first)
	}
}

// TestLRUOrder checks least-recently-used eviction on a single shard.
func TestLRUOrder(t *testing.T) {
	c := newLRU(3)
	if len(c.shards) != 1 {
		t.Fatalf("small cache has %d shards, want 1", len(c.shards))
	}
	for _, k := range []string{"a", "b", "c"} {
		c.add(k, Probe{Clean: k})
	}
	c.get("a")                    // a is now most recent; b is the oldest
	c.add("d", Probe{Clean: "d"}) // evicts b
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := c.get(k); ok != want {
			t.Errorf("get(%q) present = %v, want %v", k, ok, want)
		}
	}
}

func TestProbeConcurrent(t *testing.T) {
	n, err := New(Config{DefaultRegion: "BA", CacheSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var inputs []string
	for i := 0; i < 200; i++ {
		in := fmt.Sprintf("06%07d", 1000000+i)
		inputs = append(inputs, in)
		want[in] = n.probe(in).E164
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 20; r++ {
				for i := range inputs {
					in := inputs[(i*7+g)%len(inputs)]
					if got := n.Probe(in).E164; got != want[in] {
						select {
						case errs <- fmt.Sprintf("Probe(%q).E164 = %q, want %q", in, got, want[in]):
						default:
						}
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestFormsAgree: with every supported region as the default region, each
// example number written in E.164, international, national and IDD form
// probes to the same E.164 key Normalize gives it, and meets the stored
// national form at the exact or e164 level.
func TestFormsAgree(t *testing.T) {
	for region := range phonenumbers.GetSupportedRegions() {
		n := regionNormalizer(t, region)
		for _, typ := range exampleTypes {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil || !phonenumbers.IsValidNumber(ex) {
				continue
			}
			e := phonenumbers.Format(ex, phonenumbers.E164)
			stored := phonenumbers.Format(ex, phonenumbers.NATIONAL)
			forms := []string{e, phonenumbers.Format(ex, phonenumbers.INTERNATIONAL), stored, "tel:" + e}
			if n.idd != "" {
				forms = append(forms, n.idd+e[1:])
			}
			for _, in := range forms {
				norm := n.Normalize(in)
				if norm.Kind == KindExtension || norm.Kind == KindRejected {
					continue // short national forms are extensions by design
				}
				if norm.E164 != e {
					// The parser itself reads this form differently; nothing to compare.
					continue
				}
				p := n.Probe(in)
				ok := false
				for _, l := range p.Levels {
					if l.Kind == "e164" && l.Keys[0] == PrefixE164+e {
						ok = true
					}
				}
				if !ok {
					t.Errorf("region %s %v: %q normalises to %s but probes %+v", region, typ, in, e, p.Levels)
				}
				if sn := n.Normalize(stored); sn.E164 == e {
					if got := match(n, stored, in); got != exact && got != e164 {
						t.Errorf("region %s: stored %q, input %q: %s", region, stored, in, got)
					}
				}
			}
		}
	}
}

// slowNormalize is Normalize without fastNormalize.
func slowNormalize(n *Normalizer, raw string) Normalized {
	var buf cleanBuf
	c, ok := clean(raw, &buf)
	if !ok || (!c.plus && len(c.b) <= n.extMax) {
		return n.Normalize(raw)
	}
	s := string(c.b)
	p := n.parse(s, c.plus)
	out := Normalized{Clean: s, Kind: p.kind, E164: p.e164}
	if p.nsn != "" {
		out.NSNKey = fmt.Sprint(p.cc) + ":" + p.nsn
	}
	return out
}

// sameNormalized reports whether a and b have the same fields and index
// keys (however their strings are laid out).
func sameNormalized(a, b Normalized) bool {
	return a.Clean == b.Clean && a.E164 == b.E164 && a.Extension == b.Extension &&
		a.NSNKey == b.NSNKey && a.Kind == b.Kind && slices.Equal(a.IndexKeys(), b.IndexKeys())
}

// TestFastNormalizeAgreesWithParser: with every region as default region,
// Normalize's parser-free path gives what parsing gives, for the E.164,
// national and IDD forms of every example number and for numbers next to
// them (last digit changed, one digit more or less).
func TestFastNormalizeAgreesWithParser(t *testing.T) {
	fastHits := 0
	for region := range phonenumbers.GetSupportedRegions() {
		n := regionNormalizer(t, region)
		for _, typ := range exampleTypes {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			e := phonenumbers.Format(ex, phonenumbers.E164)
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			var forms []string
			for _, v := range []string{e, e[:len(e)-1] + "7", e + "1", e[:len(e)-1]} {
				forms = append(forms, v)
				if n.idd != "" {
					forms = append(forms, n.idd+v[1:])
				}
			}
			if n.ndd != "" {
				forms = append(forms, n.ndd+nsn, n.ndd+nsn+"3", n.ndd+nsn[:len(nsn)-1])
			}
			for _, in := range forms {
				var buf cleanBuf
				c, _ := clean(in, &buf)
				if _, ok := n.fastNormalize(c); ok {
					fastHits++
				}
				if got, want := n.Normalize(in), slowNormalize(n, in); !sameNormalized(got, want) {
					t.Errorf("region %s %v %q: fast %+v, parser %+v", region, typ, in, got, want)
				}
			}
		}
	}
	if fastHits < 1000 {
		t.Errorf("fast path taken %d times only", fastHits)
	}
}
