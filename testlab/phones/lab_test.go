package phones_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/provisioning"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// server is pbxagent's phone side on a loopback listener, served as the
// daemon serves it: the fast lane in front of an http.Server.
type server struct {
	URL  string
	svc  *phones.Service
	lane atomic.Int64 // requests answered in the fast lane
}

func startServer(t testing.TB, dir phones.Directory, opts ...phones.Option) *server {
	t.Helper()
	opts = append([]phones.Option{phones.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	svc, err := phones.New(context.Background(), dir, lab.NewMemKV(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return serveService(t, svc)
}

// serveService serves svc's routes on loopback until the test ends.
func serveService(t testing.TB, svc *phones.Service) *server {
	t.Helper()
	mux := http.NewServeMux()
	svc.Register(mux, func(h http.Handler) http.Handler { return h })
	s := &server{svc: svc}
	fast := fastlane.HandlerFunc(func(dst []byte, r *fastlane.Request) ([]byte, []byte, bool) {
		h, b, ok := svc.ServeFast(dst, r)
		if ok {
			s.lane.Add(1)
		}
		return h, b, ok
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + ln.Addr().String()
	lane := fastlane.New(fast, &http.Server{Handler: mux}, fastlane.WithLogger(slog.New(slog.DiscardHandler)))
	done := make(chan struct{})
	go func() { lane.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lane.Shutdown(ctx)
		<-done
	})
	return s
}

// register adds a phone through the admin API and returns its token.
func (s *server) register(t testing.TB, body string) string {
	t.Helper()
	resp, err := http.Post(s.URL+"/api/v1/phones", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p phones.Phone
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return p.Token
}

func contact(id, name string, nums ...string) *phonebook.Contact {
	c := &phonebook.Contact{ID: id, Scope: phonebook.ScopeGlobal, DisplayName: name, Source: "local"}
	types := []phonebook.NumberType{phonebook.NumberWork, phonebook.NumberMobile, phonebook.NumberHome}
	for i, n := range nums {
		c.Numbers = append(c.Numbers, phonebook.Number{Type: types[i%3], Value: n})
	}
	return c
}

// xmllint validates files against the Cisco schema; without xmllint the
// test skips, or fails under CI=true.
func xmllint(t *testing.T, files ...string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint not installed (Debian package libxml2-utils); required under CI=true")
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils); skipping XSD validation")
	}
	if len(files) == 0 {
		return
	}
	schema, err := filepath.Abs("../schemas/cisco.xsd")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--noout", "--nonet", "--schema", schema}, files...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("XSD validation failed: %v\n%s", err, tail(string(out), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestXSDRejectsOverLimits(t *testing.T) {
	xmllint(t)
	dir := t.TempDir()
	bad := map[string]string{
		"33-entries":   "<CiscoIPPhoneDirectory>" + strings.Repeat("<DirectoryEntry><Name>a</Name><Telephone>1</Telephone></DirectoryEntry>", 33) + "</CiscoIPPhoneDirectory>",
		"long-name":    "<CiscoIPPhoneDirectory><DirectoryEntry><Name>" + strings.Repeat("é", 33) + "</Name><Telephone>1</Telephone></DirectoryEntry></CiscoIPPhoneDirectory>",
		"long-url":     "<CiscoIPPhoneDirectory><SoftKeyItem><Name>Next</Name><URL>http://x/" + strings.Repeat("a", 250) + "</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneDirectory>",
		"position-0":   "<CiscoIPPhoneDirectory><SoftKeyItem><Name>Dial</Name><URL>SoftKey:Dial</URL><Position>0</Position></SoftKeyItem></CiscoIPPhoneDirectory>",
		"wrong-order":  "<CiscoIPPhoneDirectory><DirectoryEntry><Name>a</Name><Telephone>1</Telephone></DirectoryEntry><Title>t</Title></CiscoIPPhoneDirectory>",
		"unknown-tags": "<CiscoIPPhoneDirectory><Entry/></CiscoIPPhoneDirectory>",
	}
	for name, doc := range bad {
		f := filepath.Join(dir, name+".xml")
		os.WriteFile(f, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+doc), 0o644)
		schema, _ := filepath.Abs("../schemas/cisco.xsd")
		if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", schema, f).CombinedOutput(); err == nil {
			t.Errorf("%s accepted by the schema:\n%s", name, out)
		}
	}
}

// checkCiscoKeys: Dial and Exit whenever softkeys are defined (defining any
// SoftKeyItem removes the phone's default softkeys: Cisco, "CiscoIPPhone XML
// Objects", SoftKeyItem,
// https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cuipph/all_models/xsi/9-1-1/CUIP_BK_P82B3B16_00_phones-services-application-development-notes/CUIP_BK_P82B3B16_00_phones-services-application-development-notes_chapter_011.html),
// positions unique.
func checkCiscoKeys(t *testing.T, d *lab.CiscoDirectory) {
	t.Helper()
	if len(d.SoftKeys) == 0 {
		return
	}
	for _, want := range []string{"Dial", "Exit"} {
		if _, ok := d.Key(want); !ok {
			t.Fatalf("softkeys %+v lack %s", d.SoftKeys, want)
		}
	}
	seen := map[int]bool{}
	for _, k := range d.SoftKeys {
		if seen[k.Position] {
			t.Fatalf("position %d used twice", k.Position)
		}
		seen[k.Position] = true
	}
}

// TestCiscoPagingWalk walks the Next softkeys for several directory sizes:
// the union of the pages is the whole set in order with no duplicates,
// every page validates against the XSD, and ?page=N gives the same page.
func TestCiscoPagingWalk(t *testing.T) {
	for _, n := range []int{0, 1, 32, 33, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var cs []*phonebook.Contact
			var want []string
			for _, i := range rand.New(rand.NewPCG(uint64(n), 1)).Perm(n) {
				cs = append(cs, contact(fmt.Sprintf("id%05d", i), fmt.Sprintf("Contact %05d", i), fmt.Sprintf("+4930%07d", i)))
			}
			for i := 0; i < n; i++ {
				want = append(want, fmt.Sprintf("Contact %05d", i))
			}
			srv := startServer(t, lab.NewMemDirectory(cs...))
			tok := srv.register(t, `{"mac":"0002fdff2103","vendor":"cisco"}`)
			cl := &lab.Client{Profile: lab.Cisco8841, Base: srv.URL}
			ctx := context.Background()
			files := []string{}
			tmp := t.TempDir()
			var got []string
			var pages [][]string
			next := lab.WithToken("/phonebook/cisco.xml", tok)
			for page := 1; next != ""; page++ {
				if page > n/32+2 {
					t.Fatalf("more than %d pages", page)
				}
				r, err := cl.Get(ctx, next)
				if err != nil {
					t.Fatal(err)
				}
				var d lab.CiscoDirectory
				if err := r.Decode("CiscoIPPhoneDirectory", &d); err != nil {
					t.Fatal(err)
				}
				if len(d.Entries) > 32 {
					t.Fatalf("page %d: %d entries", page, len(d.Entries))
				}
				checkCiscoKeys(t, &d)
				f := filepath.Join(tmp, fmt.Sprintf("p%05d.xml", page))
				os.WriteFile(f, r.Body, 0o644)
				files = append(files, f)
				var names []string
				for _, e := range d.Entries {
					names = append(names, e.Name)
				}
				pages = append(pages, names)
				got = append(got, names...)
				next = ""
				if k, ok := d.Key("Next"); ok {
					if len(k.URL) > 256 {
						t.Fatalf("next URL of %d bytes", len(k.URL))
					}
					u, err := url.Parse(k.URL)
					if err != nil || u.Host != strings.TrimPrefix(srv.URL, "http://") {
						t.Fatalf("next URL %q", k.URL)
					}
					next = u.RequestURI()
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("walk gave %d names (first %q), want %d", len(got), first(got), len(want))
			}
			// Direct page access (no cursor) gives the same pages.
			for _, p := range []int{1, 2, len(pages)} {
				if p > len(pages) {
					continue
				}
				r, err := cl.Get(ctx, lab.WithToken(fmt.Sprintf("/phonebook/cisco.xml?page=%d", p), tok))
				if err != nil {
					t.Fatal(err)
				}
				var d lab.CiscoDirectory
				r.Decode("CiscoIPPhoneDirectory", &d)
				var names []string
				for _, e := range d.Entries {
					names = append(names, e.Name)
				}
				if !slices.Equal(names, pages[p-1]) {
					t.Fatalf("?page=%d differs from the walk", p)
				}
			}
			xmllint(t, files...)
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// torture is the encoding torture set.
var torture = []string{
	`Smith & Co <"Sales"> 'UK'`,
	"Jürgen Müßig-Größe",
	"王小明 山田太郎 김민수",
	"Zoë 🎉👩‍💻 Emoji",
	"e\u0301le\u0300ve combining",
	"שלום עליכם مرحبا",
	"Ctrl\x01\x1f\ttab\nline",
	strings.Repeat("Überlange Namen ", 8),
}

// TestProfilesTorture fetches every vendor's book with the torture set as
// its phone profile would and checks the names come back.
func TestProfilesTorture(t *testing.T) {
	var cs []*phonebook.Contact
	for i, name := range torture {
		c := contact(fmt.Sprintf("t%d", i), name, fmt.Sprintf("+49 30 %04d", i), fmt.Sprintf("0170 %04d", i))
		c.Company = "Müller & Söhne <GmbH>"
		cs = append(cs, c)
	}
	srv := startServer(t, lab.NewMemDirectory(cs...), phones.WithGroupBy(provisioning.GroupByCompany))
	ctx := context.Background()
	clean := func(i int) string { return provisioning.Clean(torture[i]) }
	// Names come back in directory (display-name) order.
	order := make([]int, len(torture))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(strings.ToLower(torture[a]), strings.ToLower(torture[b])) })
	wantNames := func(cut func(string) string) []string {
		var out []string
		for _, i := range order {
			out = append(out, cut(clean(i)))
		}
		return out
	}
	same := func(s string) string { return s }
	tok := map[string]string{}
	macs := map[string]string{"yealink": "0015654aa937", "cisco": "0002fdff2103", "polycom": "0004f2aabbcc", "grandstream": "000b828aa872", "snom": "00041396d9b4", "fanvil": "0c383e07e16c"}
	for v, mac := range macs {
		tok[v] = srv.register(t, fmt.Sprintf(`{"mac":%q,"vendor":%q}`, mac, v))
	}
	get := func(p lab.Profile, path, root string, v any) *lab.Response {
		t.Helper()
		cl := &lab.Client{Profile: p, Base: srv.URL}
		r, err := cl.Get(ctx, lab.WithToken(path, tok[p.Vendor]))
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", p.Name, path, err, r.Body)
		}
		if err := r.Decode(root, v); err != nil {
			t.Fatalf("%s %s: %v", p.Name, path, err)
		}
		return r
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	for _, p := range []lab.Profile{lab.YealinkT46G, lab.YealinkT56A} {
		var d lab.YealinkDirectory
		get(p, "/phonebook/yealink.xml", "YealinkIPPhoneDirectory", &d)
		var names []string
		for _, e := range d.Entries {
			names = append(names, e.Name)
			if len(e.Telephones) != 2 || e.Telephones[1].Label != "Mobile" {
				t.Errorf("telephones %+v", e.Telephones)
			}
		}
		check(p.Name+" yealink", names, wantNames(same))
		var b lab.YealinkPhoneBook
		get(p, "/phonebook/yealink-groups.xml", "YealinkIPPhoneBook", &b)
		if len(b.Menus) != 1 || b.Menus[0].Name != "Müller & Söhne <GmbH>" {
			t.Errorf("menus %+v", b.Menus)
		}
	}
	for _, p := range []lab.Profile{lab.Cisco7960, lab.Cisco8841} {
		var d lab.CiscoDirectory
		r := get(p, "/phonebook/cisco.xml", "CiscoIPPhoneDirectory", &d)
		var names []string
		for _, e := range d.Entries {
			names = append(names, e.Name)
		}
		cut := func(s string) string { return provisioning.TruncateRunes(s, 32) }
		if r.Charset == "iso-8859-1" {
			cut = func(s string) string {
				return strings.Map(func(r rune) rune {
					if r > 0xFF {
						return '?'
					}
					return r
				}, provisioning.TruncateRunes(s, 32))
			}
		}
		check(p.Name+" cisco ("+r.Charset+")", names, wantNames(cut))
		checkCiscoKeys(t, &d)
		f := filepath.Join(t.TempDir(), "c.xml")
		os.WriteFile(f, r.Body, 0o644)
		xmllint(t, f)
	}
	{
		var d lab.PolycomDirectory
		get(lab.PolycomVVX400, "/provisioning/0004f2aabbcc-directory.xml", "directory", &d)
		var names []string
		for _, it := range d.Items {
			if len(it.FirstName) > 40 || len(it.Label) > 40 {
				t.Errorf("polycom field over 40 bytes: %q", it.Label)
			}
			if !strings.HasSuffix(it.Label, "(Mobile)") {
				names = append(names, it.FirstName)
			}
		}
		check("polycom", names, wantNames(func(s string) string { return provisioning.TruncateBytes(s, 40) }))
	}
	{
		var d lab.GrandstreamAddressBook
		get(lab.GrandstreamGXP2135, "/phonebook/grandstream.xml", "AddressBook", &d)
		var names []string
		for _, c := range d.Contacts {
			names = append(names, c.FirstName)
		}
		check("grandstream", names, wantNames(same))
	}
	{
		var d lab.SnomTBook
		get(lab.SnomD785, "/phonebook/snom.xml", "tbook", &d)
		if d.E != "2" || d.Complete != "true" {
			t.Errorf("tbook attributes %q %q", d.E, d.Complete)
		}
		var names []string
		for i, it := range d.Items {
			if it.Index != i {
				t.Errorf("index %d at %d", it.Index, i)
			}
			if i%2 == 0 {
				names = append(names, it.Name)
			}
		}
		check("snom", names, wantNames(same))
		var in lab.SnomInput
		get(lab.SnomD785, "/phonebook/snom-search.xml", "SnomIPPhoneInput", &in)
		u, _ := url.Parse(strings.Replace(in.URL, in.Token, url.QueryEscape("jür"), 1))
		var m lab.SnomMenu
		get(lab.SnomD785, u.RequestURI(), "SnomIPPhoneMenu", &m)
		if len(m.Items) != 2 || !strings.HasPrefix(m.Items[0].Name, "Jürgen") || !strings.HasPrefix(m.Items[0].URL, "snom://mb_nop#numberdial=") {
			t.Errorf("snom search %+v", m.Items)
		}
	}
	{
		var d lab.FanvilPhoneBook
		get(lab.FanvilX4, "/phonebook/fanvil.xml", "PhoneBook", &d)
		var names []string
		for _, e := range d.Entries {
			names = append(names, e.Name)
		}
		check("fanvil", names, wantNames(same))
		var s lab.FanvilDirectory
		get(lab.FanvilX4, "/phonebook/fanvil.xml?q=王", "FanvilIPPhoneDirectory", &s)
		if len(s.Entries) != 1 || s.Entries[0].Name != "王小明 山田太郎 김민수" {
			t.Errorf("fanvil search %+v", s.Entries)
		}
	}
}

// TestEmptyBooks: no contacts still gives a valid document of each kind.
func TestEmptyBooks(t *testing.T) {
	srv := startServer(t, lab.NewMemDirectory())
	macs := map[string]string{"yealink": "0015654aa937", "cisco": "0002fdff2103", "polycom": "0004f2aabbcc", "grandstream": "000b828aa872", "snom": "00041396d9b4", "fanvil": "0c383e07e16c"}
	tok := map[string]string{}
	for v, mac := range macs {
		tok[v] = srv.register(t, fmt.Sprintf(`{"mac":%q,"vendor":%q}`, mac, v))
	}
	ctx := context.Background()
	for _, tc := range []struct {
		p          lab.Profile
		path, root string
	}{
		{lab.YealinkT46G, "/phonebook/yealink.xml", "YealinkIPPhoneDirectory"},
		{lab.YealinkT46G, "/phonebook/yealink.xml?q=nobody", "YealinkIPPhoneDirectory"},
		{lab.YealinkT46G, "/phonebook/yealink-groups.xml", "YealinkIPPhoneBook"},
		{lab.Cisco7960, "/phonebook/cisco-menu.xml", "CiscoIPPhoneMenu"},
		{lab.Cisco7960, "/phonebook/cisco-search.xml", "CiscoIPPhoneInput"},
		{lab.Cisco7960, "/phonebook/cisco.xml?q=nobody", "CiscoIPPhoneDirectory"},
		{lab.PolycomVVX400, "/provisioning/0004f2aabbcc-directory.xml", "directory"},
		{lab.PolycomVVX400, "/phonebook/polycom.html?q=x", "html"},
		{lab.GrandstreamGXP2135, "/phonebook/grandstream.xml", "AddressBook"},
		{lab.SnomD785, "/phonebook/snom.xml", "tbook"},
		{lab.SnomD785, "/phonebook/snom.xml?q=x", "SnomIPPhoneMenu"},
		{lab.FanvilX4, "/phonebook/fanvil.xml", "PhoneBook"},
		{lab.FanvilX4, "/phonebook/fanvil.xml?q=x", "FanvilIPPhoneDirectory"},
	} {
		cl := &lab.Client{Profile: tc.p, Base: srv.URL}
		r, err := cl.Get(ctx, lab.WithToken(tc.path, tok[tc.p.Vendor]))
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if r.Root != tc.root {
			t.Errorf("%s: root %s, want %s", tc.path, r.Root, tc.root)
		}
		if tc.p.Vendor == "cisco" {
			f := filepath.Join(t.TempDir(), "e.xml")
			os.WriteFile(f, r.Body, 0o644)
			xmllint(t, f)
		}
	}
}

// TestCiscoFailurePage: a failing directory gives Cisco phones a
// schema-valid CiscoIPPhoneText, not an error page.
func TestCiscoFailurePage(t *testing.T) {
	dir := lab.NewMemDirectory(contact("1", "Alice", "1001"))
	srv := startServer(t, dir)
	tok := srv.register(t, `{"mac":"0002fdff2103","vendor":"cisco"}`)
	boom := fmt.Errorf("store down")
	dir.Fail.Store(&boom)
	cl := &lab.Client{Profile: lab.Cisco7960, Base: srv.URL}
	r, err := cl.Get(context.Background(), lab.WithToken("/phonebook/cisco.xml?q=al", tok))
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != "CiscoIPPhoneText" || r.Charset != "iso-8859-1" {
		t.Fatalf("root %s charset %s", r.Root, r.Charset)
	}
	f := filepath.Join(t.TempDir(), "t.xml")
	os.WriteFile(f, r.Body, 0o644)
	xmllint(t, f)
}

// TestProfileAuth: Basic and Digest as the phones answer challenges, over
// real HTTP.
func TestProfileAuth(t *testing.T) {
	srv := startServer(t, lab.NewMemDirectory(contact("1", "Alice", "1001")))
	srv.register(t, `{"mac":"0015654aa937","vendor":"yealink","username":"y1","password":"pw&1"}`)
	ctx := context.Background()
	for _, digest := range []bool{false, true} {
		cl := &lab.Client{Profile: lab.YealinkT46G, Base: srv.URL, Username: "y1", Password: "pw&1", UseDigest: digest}
		if r, err := cl.Get(ctx, "/phonebook/yealink.xml"); err != nil || r.Root != "YealinkIPPhoneDirectory" {
			t.Errorf("digest=%v: %v", digest, err)
		}
		cl.Password = "wrong"
		if r, err := cl.Get(ctx, "/phonebook/yealink.xml"); err == nil || r.Status != 401 || strings.Contains(string(r.Body), "Alice") {
			t.Errorf("digest=%v wrong password: %v", digest, err)
		}
	}
	cl := &lab.Client{Profile: lab.YealinkT46G, Base: srv.URL, Username: "y1", Password: "pw&1"}
	r, err := cl.Get(ctx, "/provisioning/0015654aa937.cfg")
	if err != nil || !strings.Contains(string(r.Body), "remote_phonebook.data.1.password = pw&1") {
		t.Errorf("yealink cfg: %v %s", err, r.Body)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func urlEscape(s string) string { return url.QueryEscape(s) }

// TestProfilesThroughFastLane: each vendor's phone fetches its book twice,
// each time on a new connection as a phone's refresh does. The first goes
// through the full handler, the second is answered in the fast lane; both
// pass the profile's checks (content type, charset, well-formed XML) with
// the same body.
func TestProfilesThroughFastLane(t *testing.T) {
	srv := startServer(t, lab.NewMemDirectory(
		contact("1", "Zoë Müller & Co", "+49 30 1234", "0170 5555"),
		contact("2", "Ana Kovač", "+387 61 111 111"),
	))
	ctx := context.Background()
	paths := map[string]string{
		"yealink": "/phonebook/yealink.xml", "cisco": "/phonebook/cisco.xml", "polycom": "/provisioning/0004f2aabbcc-directory.xml",
		"grandstream": "/phonebook/grandstream.xml", "snom": "/phonebook/snom.xml", "fanvil": "/phonebook/fanvil.xml",
	}
	macs := map[string]string{"yealink": "0015654aa937", "cisco": "0002fdff2103", "polycom": "0004f2aabbcc", "grandstream": "000b828aa872", "snom": "00041396d9b4", "fanvil": "0c383e07e16c"}
	tok := map[string]string{}
	for v, mac := range macs {
		tok[v] = srv.register(t, fmt.Sprintf(`{"mac":%q,"vendor":%q}`, mac, v))
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, p := range lab.Profiles {
		cl := &lab.Client{Profile: p, Base: srv.URL, HTTP: fresh}
		path := lab.WithToken(paths[p.Vendor], tok[p.Vendor])
		before := srv.lane.Load()
		first, err := cl.Get(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if srv.lane.Load() != before {
			t.Fatalf("%s: the lane answered a first request", p.Name)
		}
		second, err := cl.Get(ctx, path)
		if err != nil {
			t.Fatalf("%s, from the lane: %v", p.Name, err)
		}
		if srv.lane.Load() != before+1 {
			t.Errorf("%s: the second fetch did not come from the lane", p.Name)
		}
		if !bytes.Equal(first.Body, second.Body) || first.Header.Get("ETag") != second.Header.Get("ETag") ||
			first.Header.Get("Content-Type") != second.Header.Get("Content-Type") {
			t.Errorf("%s: lane answer differs: %q %q vs %q %q", p.Name,
				second.Header.Get("Content-Type"), second.Header.Get("ETag"), first.Header.Get("Content-Type"), first.Header.Get("ETag"))
		}
	}
}
