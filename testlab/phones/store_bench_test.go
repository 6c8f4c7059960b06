package phones_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

var syllables = []string{"ka", "ri", "mo", "len", "sta", "ber", "vo", "nik", "tel", "sch", "mar", "tin", "do", "lu", "gra", "pe", "son", "wi", "zu", "han"}

func lastName(r *rand.Rand) string {
	n := 2 + r.IntN(3)
	s := ""
	for i := 0; i < n; i++ {
		s += syllables[r.IntN(len(syllables))]
	}
	return string(s[0]-32) + s[1:]
}

// BenchmarkCiscoSearchStore: Cisco search pages over the real phonebook
// store holding PBXAGENT_BENCH_STORE_N contacts (e.g. 1000000; skipped when
// unset: loading takes minutes). Terms are 4–6 letter last-name prefixes,
// every request a cache miss. Reports p50/p99 (goal p99 ≤ 2 ms at 1 M).
func BenchmarkCiscoSearchStore(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PBXAGENT_BENCH_STORE_N"))
	if n <= 0 {
		b.Skip("set PBXAGENT_BENCH_STORE_N (e.g. 1000000) to load the phonebook store")
	}
	ctx := context.Background()
	nm, err := number.New(number.Config{DefaultRegion: "DE"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := phonebook.Open(ctx, phonebook.Options{InMemory: true, Numbering: nm.Numbering(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(7, 7))
	firsts := []string{"Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Leon", "Mia", "Noah", "Olga", "Paul"}
	var names []string
	start := time.Now()
	const chunk = 10000
	for done := 0; done < n; done += chunk {
		_, err := st.Bulk(ctx, func(bt *phonebook.Batch) error {
			for i := done; i < min(done+chunk, n); i++ {
				ln := lastName(r)
				if i%1000 == 0 {
					names = append(names, ln)
				}
				c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, FirstName: firsts[r.IntN(len(firsts))], LastName: ln, Source: phonebook.SourceLocal,
					Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+4930%08d", i)}}}
				if _, err := bt.Put(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d contacts in %s", n, time.Since(start).Round(time.Second))
	base, _ := startReal(b, st, phones.WithCache(1, 1)) // every request renders
	token := registerAt(b, base, `{"mac":"0002fdff2103","vendor":"cisco"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	// The load above runs once; the framework calls the sub-benchmark for
	// each b.N it tries.
	b.Run("search", func(b *testing.B) { benchSearches(b, client, base, token, names, r) })
}

func benchSearches(b *testing.B, client *http.Client, base, token string, names []string, r *rand.Rand) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ln := names[r.IntN(len(names))]
		term := ln[:min(len(ln), 4+r.IntN(3))]
		u := fmt.Sprintf("%s/phonebook/cisco.xml?q=%s&token=%s", base, urlEscape(term), token)
		t0 := time.Now()
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
