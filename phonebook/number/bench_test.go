package number

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

func benchNormalizer(b *testing.B, cacheSize int) *Normalizer {
	b.Helper()
	n, err := New(Config{DefaultRegion: "BA", CacheSize: cacheSize})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkProbeHit: a repeat caller, answered from the LRU.
func BenchmarkProbeHit(b *testing.B) {
	n := benchNormalizer(b, 0)
	inputs := []string{"061 111-111", "+38761111111", "1805", "0038733222111"}
	for _, in := range inputs {
		n.Probe(in)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p := n.Probe(inputs[i&3]); p.Skip {
			b.Fatal("skip")
		}
	}
}

// BenchmarkProbeHitParallel: the cache under concurrent callers.
func BenchmarkProbeHitParallel(b *testing.B) {
	n := benchNormalizer(b, 0)
	inputs := make([]string, 1024)
	for i := range inputs {
		inputs[i] = fmt.Sprintf("+3876%07d", i)
		n.Probe(inputs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			n.Probe(inputs[i&1023])
			i++
		}
	})
}

// BenchmarkProbeMiss: first sight of a number (cache disabled), per form.
func BenchmarkProbeMiss(b *testing.B) {
	for _, in := range []string{"+38761111111", "1805", "anonymous", "061 111-111", "sip:061111111@gw;user=phone", "0038761111111", "61111111"} {
		b.Run(in, func(b *testing.B) {
			n := benchNormalizer(b, -1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				n.Probe(in)
			}
		})
	}
}

// BenchmarkProbeMissCached: a stream of never-seen numbers through the
// cache (includes insert and eviction cost).
func BenchmarkProbeMissCached(b *testing.B) {
	n := benchNormalizer(b, 1024)
	inputs := make([]string, 1<<16)
	for i := range inputs {
		inputs[i] = fmt.Sprintf("+3876%07d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Probe(inputs[i&(1<<16-1)])
	}
}

// BenchmarkNormalize: write-time normalisation (parses).
func BenchmarkNormalize(b *testing.B) {
	for _, in := range []string{"061 111-111", "+38761111111", "1805"} {
		b.Run(in, func(b *testing.B) {
			n := benchNormalizer(b, -1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				n.Normalize(in).IndexKeys()
			}
		})
	}
}

// BenchmarkNormalizeImport: write-time normalisation of the numbers of a
// generated import (BA national forms, +387/+49/+1/+44/+385 numbers).
func BenchmarkNormalizeImport(b *testing.B) {
	n := benchNormalizer(b, -1)
	inputs := make([]string, 4096)
	for i := range inputs {
		inputs[i], _ = gen.Number(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := n.Normalize(inputs[i&4095]); v.E164 == "" {
			b.Fatalf("%q: %+v", inputs[i&4095], v)
		}
	}
}

// BenchmarkProbeImportMiss: first lookups of the generated numbers (cache
// off): every form takes a parser-free path.
func BenchmarkProbeImportMiss(b *testing.B) {
	n := benchNormalizer(b, -1)
	inputs := make([]string, 4096)
	for i := range inputs {
		inputs[i], _ = gen.Number(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Probe(inputs[i&4095])
	}
}

// gencsvNumbers returns the numbers of `gencsv -n n -seed 1` as written in
// the file (gencsv writes gen.Contacts).
func gencsvNumbers(b *testing.B, n int) []string {
	b.Helper()
	var out []string
	err := gen.Contacts(n, 1, func(c *phonebook.Contact) error {
		for _, num := range c.Numbers {
			out = append(out, num.Value)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// regionMixNumbers returns E.164 numbers of every region: each example
// number with its last four digits replaced at random (valid and invalid
// numbers, many country codes).
func regionMixNumbers() []string {
	rng := rand.New(rand.NewPCG(7, 8))
	var out []string
	for region := range phonenumbers.GetSupportedRegions() {
		for _, t := range exampleTypes {
			ex := phonenumbers.GetExampleNumberForType(region, t)
			if ex == nil {
				continue
			}
			e := []byte(phonenumbers.Format(ex, phonenumbers.E164))
			for i := 0; i < 8; i++ {
				for j := max(len(e)-4, 3); j < len(e); j++ {
					e[j] = byte('0' + rng.IntN(10))
				}
				out = append(out, string(e))
			}
		}
	}
	slices.Sort(out)
	return out
}

// BenchmarkNormalizeNumbers: Normalize plus IndexKeys (the store's
// Numbering.Index) over the numbers of a 100 000-row gencsv file and over
// a mix of all regions, with validity from the compiled automata and from
// the library's regexps (the code before them).
func BenchmarkNormalizeNumbers(b *testing.B) {
	sets := []struct {
		name string
		nums []string
	}{
		{name: "gencsv100k", nums: gencsvNumbers(b, 100_000)},
		{name: "regions", nums: regionMixNumbers()},
	}
	for _, set := range sets {
		for _, lib := range []bool{true, false} {
			name := set.name + "/automata"
			if lib {
				name = set.name + "/library"
			}
			b.Run(name, func(b *testing.B) {
				n := benchNormalizer(b, -1)
				n.libraryOnly = lib
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					v := n.Normalize(set.nums[i%len(set.nums)])
					_ = v.IndexKeys()
				}
			})
		}
	}
}
