// Package ldapdir_test measures the LDAP directory for phones
// (agent/ldapdir) at scale beside OpenLDAP's slapd serving the same
// generated people (testlab/gen, testlab/slapd): a phone's prefix search's
// latency, and the throughput of 1 000 phones searching at once on both.
// testlab/bench/ldap.sh runs it at 1 M contacts; docs/phones.md has the
// figures.
package ldapdir_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/ldapdir"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/testlab/gen"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

const (
	seed     = 1
	base     = "ou=contacts,dc=pbxagent"
	suffix   = "dc=example,dc=com"
	phoneMax = 50 // Yealink's default "LDAP max hits" (ldap.max_hits)
)

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// queries are phone searches as a Yealink sends them with its default-style
// name filter: 1 to 4 letters of a generated last name, then '*'.
func queries(n, people int) []string {
	rng := rand.New(rand.NewPCG(3, 3))
	var names []string
	_ = gen.Contacts(min(people, 20000), seed, func(c *phonebook.Contact) error {
		names = append(names, phonebook.Fold(c.LastName))
		return nil
	})
	out := make([]string, n)
	for i := range out {
		r := []rune(names[rng.IntN(len(names))])
		k := min(len(r), 1+rng.IntN(4))
		p := ldap.EscapeFilter(string(r[:k]))
		out[i] = "(|(cn=" + p + "*)(sn=" + p + "*))"
	}
	return out
}

// target is a server under test and how a phone binds to it.
type target struct {
	name, addr, base, user, pass string
}

// ours loads n generated contacts (the CSV import, as POST
// /api/v1/contacts/import does) into a store and serves it twice: with the
// result cache and without it (cacheEntries -1). A data directory in
// LDAPBENCH_DATA that holds a store already is reused.
func ours(b *testing.B, n int) (target, target) {
	ctx := context.Background()
	norm, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("LDAPBENCH_DATA")
	reuse := false
	if dir == "" {
		dir = b.TempDir()
	} else if _, err := os.Stat(dir + "/MANIFEST"); err == nil {
		reuse = true
	}
	st, err := phonebook.Open(ctx, phonebook.Options{Dir: dir, Numbering: number.Numbering{Normalizer: norm},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if !reuse {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(gen.WriteCSV(pw, n, seed)) }()
		t0 := time.Now()
		imp, err := api.ImportCSV(ctx, st, bufio.NewReaderSize(pr, 1<<20), true)
		if err != nil {
			b.Fatal(err)
		}
		progress("pbxagent: imported %d contacts in %s", imp.Rows, time.Since(t0).Round(time.Millisecond))
	}
	if err := st.WaitCallerIndex(ctx); err != nil {
		b.Fatal(err)
	}
	if err := st.WaitNameIndex(ctx); err != nil { // name searches from memory
		b.Fatal(err)
	}
	svc, err := phones.New(ctx, st, st.Meta("phones"), phones.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/phones", strings.NewReader(`{"mac":"001565BE0001","vendor":"yealink","username":"bench-phone","password":"bench-secret"}`))
	req.Header.Set("Content-Type", "application/json")
	svc.AdminHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated && rec.Code != http.StatusConflict {
		b.Fatalf("register phone: %d %s", rec.Code, rec.Body)
	}
	serve := func(name string, cacheEntries int) target {
		srv, err := ldapdir.New(ldapdir.Config{BaseDN: base, MaxConns: 4096, SizeLimit: 200, CacheEntries: cacheEntries,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, svc)
		if err != nil {
			b.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(sctx, ln) }()
		b.Cleanup(func() { cancel(); <-done })
		return target{name: name, addr: ln.Addr().String(), base: base, user: "bench-phone", pass: "bench-secret"}
	}
	return serve("pbxagent", 0), serve("pbxagent-nocache", -1)
}

// theirs starts slapd with the same generated people as LDIF (slapadd),
// with equality and substring indexes on the attributes the phones
// search.
func theirs(b *testing.B, n int) target {
	var ldif bytes.Buffer
	if err := slapd.WriteBase(&ldif, suffix); err != nil {
		b.Fatal(err)
	}
	if err := slapd.WritePeople(&ldif, suffix, n, seed); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	s := slapd.Start(b, slapd.Config{Suffix: suffix, LDIF: ldif.Bytes(), MaxSize: 8 << 30,
		Indexes: []string{"objectClass eq", "cn,sn,givenName eq,sub", "telephoneNumber,mobile eq,sub"}})
	progress("slapd: loaded %d people (slapadd with indexes) and started in %s", n, time.Since(t0).Round(time.Millisecond))
	return target{name: "slapd", addr: s.Addr, base: "ou=people," + suffix, user: s.AdminDN, pass: s.AdminPassword}
}

// conn dials and binds one phone's connection.
func (t target) conn(b *testing.B) *ldap.Conn {
	c, err := ldap.DialURL("ldap://" + t.addr)
	if err != nil {
		b.Fatal(err)
	}
	c.SetTimeout(120 * time.Second)
	if err := c.Bind(t.user, t.pass); err != nil {
		b.Fatalf("%s bind: %v", t.name, err)
	}
	return c
}

// search runs one phone search; a size limit reached is an answer.
func (t target) search(c *ldap.Conn, filter string) (int, error) {
	res, err := c.Search(ldap.NewSearchRequest(t.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, phoneMax, 0, false,
		filter, []string{"cn", "sn", "telephoneNumber", "mobile"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return 0, err
	}
	return len(res.Entries), nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// sequential times one phone's searches, one after the other.
func sequential(b *testing.B, t target, qs []string) (p50, p99 time.Duration, hits float64) {
	c := t.conn(b)
	defer c.Close()
	lat := make([]time.Duration, 0, len(qs))
	total := 0
	for _, q := range qs {
		t0 := time.Now()
		n, err := t.search(c, q)
		if err != nil {
			b.Fatalf("%s %s: %v", t.name, q, err)
		}
		lat = append(lat, time.Since(t0))
		total += n
	}
	return pct(lat, 50), pct(lat, 99), float64(total) / float64(len(qs))
}

// concurrent runs phones connections, each searching per times, all at
// once; it returns the searches per second answered, the latencies' p99
// and how many searches failed (a phone's timeout is 120 s).
func concurrent(b *testing.B, t target, phones, per int, qs []string) (float64, time.Duration, int) {
	conns := make([]*ldap.Conn, phones)
	for i := range conns {
		conns[i] = t.conn(b)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	lats := make([][]time.Duration, phones)
	errs := make(chan error, phones*per)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range per {
				q := qs[(i*per+k)%len(qs)]
				t0 := time.Now()
				if _, err := t.search(c, q); err != nil {
					errs <- fmt.Errorf("%s %s: %w", t.name, q, err)
					continue
				}
				lats[i] = append(lats[i], time.Since(t0))
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	close(errs)
	failed := 0
	for err := range errs {
		if failed == 0 {
			fmt.Fprintf(os.Stderr, "first failure: %v\n", err)
		}
		failed++
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return float64(len(all)) / wall.Seconds(), pct(all, 99), failed
}

// progress prints a figure as soon as it is measured (a benchmark's log
// shows only at its end).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ldapbench: "+format+"\n", args...)
}

// BenchmarkPhoneSearch: LDAPBENCH_N contacts (default 100 000;
// testlab/bench/ldap.sh sets 1 000 000), LDAPBENCH_PHONES concurrent phones
// (default 1 000) doing LDAPBENCH_PER searches each (default 10). Run with
// -benchtime=1x: each iteration is one whole round on both servers.
func BenchmarkPhoneSearch(b *testing.B) {
	n := envInt("LDAPBENCH_N", 100_000)
	nPhones := envInt("LDAPBENCH_PHONES", 1000)
	per := envInt("LDAPBENCH_PER", 10)
	qs := queries(4000, n)
	us, uncached := ours(b, n)
	them := theirs(b, n)
	b.ResetTimer()
	for range b.N {
		np50, np99, _ := sequential(b, uncached, qs[:2000])
		progress("%d contacts, one phone, no result cache: p50 %s p99 %s", n, np50, np99)
		p50, p99, hits := sequential(b, us, qs[:2000])
		progress("one phone, pbxagent: p50 %s p99 %s (%.1f entries/search)", p50, p99, hits)
		sp50, sp99, shits := sequential(b, them, qs[:2000])
		progress("one phone, slapd: p50 %s p99 %s (%.1f entries/search)", sp50, sp99, shits)
		nRate, nCP99, nFail := concurrent(b, uncached, nPhones, per, qs)
		progress("%d phones × %d searches, pbxagent without cache: %.0f searches/s, p99 %s, %d failed", nPhones, per, nRate, nCP99, nFail)
		ourRate, ourCP99, ourFail := concurrent(b, us, nPhones, per, qs)
		progress("%d phones × %d searches, pbxagent: %.0f searches/s, p99 %s, %d failed", nPhones, per, ourRate, ourCP99, ourFail)
		theirRate, theirCP99, theirFail := concurrent(b, them, nPhones, per, qs)
		progress("%d phones × %d searches, slapd: %.0f searches/s, p99 %s, %d failed", nPhones, per, theirRate, theirCP99, theirFail)
		progress("ratio pbxagent/slapd: %.2f× (without the cache %.2f×)", ourRate/theirRate, nRate/theirRate)
		b.ReportMetric(float64(np99.Microseconds())/1000, "pbx_nocache_p99_ms")
		b.ReportMetric(nRate/theirRate, "nocache_ratio")
		b.ReportMetric(float64(p99.Microseconds())/1000, "pbx_p99_ms")
		b.ReportMetric(float64(sp99.Microseconds())/1000, "slapd_p99_ms")
		b.ReportMetric(ourRate, "pbx_searches/s")
		b.ReportMetric(theirRate, "slapd_searches/s")
		b.ReportMetric(ourRate/theirRate, "ratio")
	}
}
