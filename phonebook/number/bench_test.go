package number

import (
	"fmt"
	"testing"

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
