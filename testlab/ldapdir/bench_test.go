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
	"path/filepath"
	"strconv"
	"strings"
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

// target is a server under test and how a phone binds to it; cpu is the
// server process's CPU time so far.
type target struct {
	name, addr, base, user, pass string
	cpu                          func() time.Duration
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
		return target{name: name, addr: ln.Addr().String(), base: base, user: "bench-phone", pass: "bench-secret", cpu: cpuTime}
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
	pid, err := os.ReadFile(filepath.Join(s.Dir, "slapd.pid"))
	if err != nil {
		b.Fatal(err)
	}
	slapdPID, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil {
		b.Fatalf("slapd.pid: %v", err)
	}
	return target{name: "slapd", addr: s.Addr, base: "ou=people," + suffix, user: s.AdminDN, pass: s.AdminPassword,
		cpu: func() time.Duration { return pidCPU(slapdPID) }}
}

// sequential is one phone's searches, one after the other; a failed one
// fails the benchmark.
func sequential(b *testing.B, t target, qs []string) phoneResult {
	r := runPhones(b, t, 1, len(qs), qs)
	if r.Failed > 0 {
		b.Fatalf("%s: %s", t.name, r.FirstFailure)
	}
	return r
}

// concurrent is phones connections, each searching per times, all at
// once (a phone's timeout is 120 s).
func concurrent(b *testing.B, t target, phones, per int, qs []string) phoneResult {
	return runPhones(b, t, phones, per, qs)
}

// cpuNote is the server's and the phones' CPU per search, as a line's end.
func cpuNote(r phoneResult) string {
	return fmt.Sprintf(", server CPU %s/search, client CPU %s/search", r.serverCPU(), r.clientCPU())
}

// progress prints a figure as soon as it is measured (a benchmark's log
// shows only at its end).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ldapbench: "+format+"\n", args...)
}

// BenchmarkPhoneSearch: LDAPBENCH_N contacts (default 100 000;
// testlab/bench/ldap.sh sets 1 000 000), LDAPBENCH_PHONES concurrent phones
// (default 1 000) doing LDAPBENCH_PER searches each (default 10). Run with
// -benchtime=1x: each iteration is one whole round on both servers. The
// phones (go-ldap clients) run in a child process (phoneclient_test.go),
// as slapd runs in its own; each line ends with the server's and the
// phones' CPU per search.
func BenchmarkPhoneSearch(b *testing.B) {
	n := envInt("LDAPBENCH_N", 100_000)
	nPhones := envInt("LDAPBENCH_PHONES", 1000)
	per := envInt("LDAPBENCH_PER", 10)
	qs := queries(4000, n)
	us, uncached := ours(b, n)
	them := theirs(b, n)
	b.ResetTimer()
	for range b.N {
		nseq := sequential(b, uncached, qs[:2000])
		np99 := pct(nseq.Latencies, 99)
		progress("%d contacts, one phone, no result cache: p50 %s p99 %s%s", n, pct(nseq.Latencies, 50), np99, cpuNote(nseq))
		seq := sequential(b, us, qs[:2000])
		p99 := pct(seq.Latencies, 99)
		progress("one phone, pbxagent: p50 %s p99 %s (%.1f entries/search)%s", pct(seq.Latencies, 50), p99, seq.hits(), cpuNote(seq))
		sseq := sequential(b, them, qs[:2000])
		sp99 := pct(sseq.Latencies, 99)
		progress("one phone, slapd: p50 %s p99 %s (%.1f entries/search)%s", pct(sseq.Latencies, 50), sp99, sseq.hits(), cpuNote(sseq))
		nc := concurrent(b, uncached, nPhones, per, qs)
		nRate := nc.rate()
		progress("%d phones × %d searches, pbxagent without cache: %.0f searches/s, p99 %s, %d failed%s", nPhones, per, nRate, pct(nc.Latencies, 99), nc.Failed, cpuNote(nc))
		oc := concurrent(b, us, nPhones, per, qs)
		ourRate := oc.rate()
		progress("%d phones × %d searches, pbxagent: %.0f searches/s, p99 %s, %d failed%s", nPhones, per, ourRate, pct(oc.Latencies, 99), oc.Failed, cpuNote(oc))
		tc := concurrent(b, them, nPhones, per, qs)
		theirRate := tc.rate()
		progress("%d phones × %d searches, slapd: %.0f searches/s, p99 %s, %d failed%s", nPhones, per, theirRate, pct(tc.Latencies, 99), tc.Failed, cpuNote(tc))
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
