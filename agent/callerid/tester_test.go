package callerid

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/phonebook"
)

// FuzzParseSetVariable: the tester reads back every value the FastAGI
// server quotes (AGIQuote drops CR and LF), and never fails on any line.
func FuzzParseSetVariable(f *testing.F) {
	for _, s := range []string{"Amra Hodžić", `a "quoted" \ name`, "", `\`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_, _, _ = parseSetVariable(v)
		_, _, _ = parseSetVariable("SET VARIABLE " + v)
		name, got, ok := parseSetVariable("SET VARIABLE CALLERID(name) " + AGIQuote(v))
		want := strings.NewReplacer("\r", "", "\n", "").Replace(v)
		if !ok || name != "CALLERID(name)" || got != want {
			t.Errorf("%q: read %q %q %v, want %q", v, name, got, ok, want)
		}
	})
}

// FuzzDisplayName: the display name of a quoted name-addr as the SIP
// redirect server writes it (RFC 3261 quoted-string) reads back.
func FuzzDisplayName(f *testing.F) {
	for _, s := range []string{"Amra Hodžić", `a "b" \c`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_ = displayName(v)
		q := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `" <sip:x@y>`
		if got := displayName(q); got != v {
			t.Errorf("%q: read %q", v, got)
		}
	})
}

// fixedDir answers every lookup with res.
type fixedDir struct{ res phonebook.LookupResult }

func (d fixedDir) Lookup(context.Context, string) (phonebook.LookupResult, error) { return d.res, nil }

// TestTesterPaths: each path's answer, a path that is off, CNAM mode,
// the overwrite policy, and the numbers refused before any path runs.
func TestTesterPaths(t *testing.T) {
	svc, err := New(fixedDir{phonebook.LookupResult{Name: "Đurić Šećo", Match: phonebook.MatchExact, E164: "+38761111222", ContactID: "c1", Source: "local"}},
		WithOverwritePolicy(OverwriteNever))
	if err != nil {
		t.Fatal(err)
	}
	tr := svc.NewTester(TesterConfig{AGIAddr: "127.0.0.1:4573"})
	res, err := tr.Test(context.Background(), "+387 61 111 222", "Reception")
	if err != nil {
		t.Fatal(err)
	}
	if res.Match != phonebook.MatchExact || res.Normalized != "+38761111222" || res.Name != "Đurić Šećo" || res.Overwrite != "never" || res.DeadlineMS != 100 {
		t.Errorf("summary: %+v", res)
	}
	if !res.HTTP.Enabled || res.HTTP.Body != "Đurić Šećo" || res.HTTP.Match != "exact" || res.HTTP.Request != "GET /cid?number=%2B387+61+111+222" {
		t.Errorf("http: %+v", res.HTTP)
	}
	// never: the call's own name stays; only the match kind is set.
	if !res.AGI.Enabled || res.AGI.CurrentName != "Reception" || len(res.AGI.Variables) != 1 || res.AGI.Variables[0] != (AGIVariable{Name: AGIMatchVariable, Value: "exact"}) {
		t.Errorf("agi: %+v", res.AGI)
	}
	if res.SIP.Enabled || !strings.Contains(res.SIP.Note, "sip_redirect.addr") {
		t.Errorf("sip: %+v", res.SIP)
	}
	// A call without a name (Asterisk's "unknown") gets it under the weak
	// policy; CNAM mode shortens it for every path.
	svc.cnam, svc.policy = true, OverwriteWeak
	res, err = tr.Test(context.Background(), "061111222", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.HTTP.Body != "Djuric Seco" || res.AGI.CurrentName != "unknown" || len(res.AGI.Variables) != 2 || res.AGI.Variables[0].Value != "Djuric Seco" {
		t.Errorf("cnam: %+v %+v", res.HTTP, res.AGI)
	}
	for _, bad := range []string{"", strings.Repeat("1", 65), "06\x001", string([]byte{0xff})} {
		if _, err := tr.Test(context.Background(), bad, ""); err == nil || !strings.HasPrefix(err.Error(), "number: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if !utf8.ValidString(res.HTTP.Body) {
		t.Error("invalid UTF-8")
	}
}
