package phones_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// benchStoreNames is the file, in a kept store directory, listing the last
// names the search terms are taken from (every 1000th contact's).
const benchStoreNames = "bench-names.txt"

// BenchmarkCiscoSearchStore: Cisco search pages over the real phonebook
// store holding PBXAGENT_BENCH_STORE_N contacts (e.g. 1000000; skipped when
// unset: loading takes minutes). With PBXAGENT_BENCH_STORE_DIR the store is
// built once in that directory and reused by later runs with the same N
// (rebuilt when it does not open, holds another count, or no longer finds
// its own names, e.g. after a change of key layout). Terms are 4–6 letter
// last-name prefixes, every request a cache miss. Reports p50/p99 over
// loopback HTTP (goal p99 ≤ 2 ms at 1 M), the store's own Search p50/p99,
// and how many pages had a capped total.
func BenchmarkCiscoSearchStore(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PBXAGENT_BENCH_STORE_N"))
	if n <= 0 {
		b.Skip("set PBXAGENT_BENCH_STORE_N (e.g. 1000000) to load the phonebook store")
	}
	ctx := context.Background()
	st, names := benchStore(b, ctx, n, os.Getenv("PBXAGENT_BENCH_STORE_DIR"))
	defer st.Close()
	if err := st.WaitCallerIndex(ctx); err != nil { // its build would share the CPU with the pages
		b.Fatal(err)
	}
	base, svc := startReal(b, st, phones.WithCache(1, 1)) // every request renders
	token := registerAt(b, base, `{"mac":"0002fdff2103","vendor":"cisco"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	// Every term once through the store first, so that no sub-benchmark
	// pays for a cold block cache the others find warm.
	warm := time.Now()
	for _, ln := range names {
		for n := 4; n <= min(6, len(ln)); n++ {
			if _, err := st.Search(ctx, phonebook.Query{Q: ln[:n], Scope: phonebook.ScopeGlobal, Limit: 32}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("warmed the store with every term in %s", time.Since(warm).Round(time.Millisecond))
	r := rand.New(rand.NewPCG(8, 8))
	// The load above runs once; the framework calls the sub-benchmarks for
	// each b.N it tries.
	b.Run("search", func(b *testing.B) { benchSearches(b, client, base, token, names, r) })
	b.Run("handler", func(b *testing.B) { benchHandlerSearches(b, svc.PhoneHandler(), token, names, r) })
	b.Run("store", func(b *testing.B) { benchStoreSearches(b, st, names, r) })
}

// benchHandlerSearches is the phone handler alone (no network, no client):
// the store's Search plus the phones side (auth, paging, rendering).
func benchHandlerSearches(b *testing.B, h http.Handler, token string, names []string, r *rand.Rand) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", "/phonebook/cisco.xml?q="+urlEscape(searchTerm(names, r))+"&token="+token, nil)
		req.Header.Set("Accept-Charset", "iso-8859-1, utf-8;q=0.8")
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(t0))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// benchStore opens the n-contact store: in memory when dir is empty, else
// kept in dir and built there only when missing or unusable.
func benchStore(b *testing.B, ctx context.Context, n int, dir string) (*phonebook.Store, []string) {
	b.Helper()
	nm, err := number.New(number.Config{DefaultRegion: "DE"})
	if err != nil {
		b.Fatal(err)
	}
	open := func() (*phonebook.Store, error) {
		return phonebook.Open(ctx, phonebook.Options{Dir: dir, InMemory: dir == "", Numbering: nm.Numbering(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	if dir != "" {
		if st, names, err := reuseStore(ctx, open, n, dir); err == nil {
			b.Logf("reusing the %d-contact store in %s", n, dir)
			return st, names
		} else {
			b.Logf("building the store in %s: %v", dir, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
	}
	st, err := open()
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	firsts := []string{"Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Leon", "Mia", "Noah", "Olga", "Paul"}
	var names []string
	start := time.Now()
	// One load: sorted and written once, as a first import is.
	_, err = st.Load(ctx, phonebook.SourceLocal, func(l *phonebook.Loader) error {
		for i := range n {
			ln := lastName(r)
			if i%1000 == 0 {
				names = append(names, ln)
			}
			c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, FirstName: firsts[r.IntN(len(firsts))], LastName: ln, Source: phonebook.SourceLocal,
				Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+4930%08d", i)}}}
			if _, err := l.Add(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		st.Close()
		b.Fatal(err)
	}
	b.Logf("loaded %d contacts in %s", n, time.Since(start).Round(time.Second))
	if dir != "" {
		// The names file is written last: its presence marks a complete store.
		body := strconv.Itoa(n) + "\n" + strings.Join(names, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, benchStoreNames), []byte(body), 0o644); err != nil {
			st.Close()
			b.Fatal(err)
		}
	}
	return st, names
}

// reuseStore opens a store built by an earlier run in dir, checking that it
// holds n contacts and that its first name is still found.
func reuseStore(ctx context.Context, open func() (*phonebook.Store, error), n int, dir string) (*phonebook.Store, []string, error) {
	f, err := os.Open(filepath.Join(dir, benchStoreNames))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(lines) < 2 || lines[0] != strconv.Itoa(n) {
		return nil, nil, errors.New("built for another contact count")
	}
	names := lines[1:]
	st, err := open()
	if err != nil {
		return nil, nil, err
	}
	got, err := st.CountSource(ctx, phonebook.SourceLocal)
	if err == nil && got != n {
		err = fmt.Errorf("holds %d contacts, want %d", got, n)
	}
	if err == nil {
		var p phonebook.Page
		p, err = st.Search(ctx, phonebook.Query{Q: names[0], Limit: 1})
		if err == nil && len(p.Contacts) == 0 {
			err = fmt.Errorf("search %q finds nothing (layout changed?)", names[0])
		}
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, names, nil
}

func searchTerm(names []string, r *rand.Rand) string {
	ln := names[r.IntN(len(names))]
	return ln[:min(len(ln), 4+r.IntN(3))]
}

func benchSearches(b *testing.B, client *http.Client, base, token string, names []string, r *rand.Rand) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		term := searchTerm(names, r)
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
	reportLatency(b, lat)
}

// benchStoreSearches is the store's share: the Search call a Cisco first
// page makes (32 contacts, global scope), without HTTP or rendering.
func benchStoreSearches(b *testing.B, st *phonebook.Store, names []string, r *rand.Rand) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	capped := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := phonebook.Query{Q: searchTerm(names, r), Scope: phonebook.ScopeGlobal, Limit: 32}
		t0 := time.Now()
		p, err := st.Search(ctx, q)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if p.TotalCapped {
			capped++
		}
	}
	b.StopTimer()
	reportLatency(b, lat)
	b.ReportMetric(float64(capped)/float64(b.N), "capped-frac")
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
