package ldapsrc_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/testlab/sambaad"
)

// These tests run the source against a real Active Directory implementation: Samba's AD DC
// (testlab/sambaad), not slapd dressed as one. Samba assigns the USNs, keeps objectGUID and
// invocationId, pages, refuses binds and serves TLS itself.

const (
	adOU       = "OU=Phonebook," + sambaad.BaseDN
	readerSAM  = "pbxreader"
	readerPW   = "Reader-Pw-2026!"
	readerDN   = "CN=PBX Reader,CN=Users," + sambaad.BaseDN
	adUsers    = 6
	adContacts = 3
	// personFilter leaves computer accounts out (docs/sources-ldap.md).
	personFilter = "(|(&(objectCategory=person)(objectClass=user))(objectClass=contact))"
)

// adUserDN and adContactDN name the fixture's entries.
func adUserDN(i int) string    { return fmt.Sprintf("CN=User %d,%s", i, adOU) }
func adContactDN(i int) string { return fmt.Sprintf("CN=Contact %d,%s", i, adOU) }

// startSamba runs a DC holding OU=Phonebook with adUsers users and adContacts contacts, and
// the reader account (in CN=Users, outside the OU, so its logons change nothing the source
// reads).
func startSamba(t *testing.T, c sambaad.Config) *sambaad.DC {
	t.Helper()
	d := sambaad.Start(t, c)
	l := d.Admin(t)
	if err := sambaad.AddUser(l, sambaad.User{DN: readerDN, SAMAccountName: readerSAM, Password: readerPW}); err != nil {
		t.Fatal(err)
	}
	if err := sambaad.AddOU(l, adOU); err != nil {
		t.Fatal(err)
	}
	for i := range adUsers {
		err := sambaad.AddUser(l, sambaad.User{DN: adUserDN(i), SAMAccountName: fmt.Sprintf("user%d", i), Attrs: map[string][]string{
			"givenName": {"Ana" + strconv.Itoa(i)}, "sn": {"Kovač"}, "displayName": {fmt.Sprintf("Ana%d Kovač", i)},
			"mail": {fmt.Sprintf("ana%d@pbx.test", i)}, "company": {"Contoso"}, "department": {"Sales"}, "title": {"Agent"},
			"physicalDeliveryOfficeName": {"Sarajevo"},
			"telephoneNumber":            {fmt.Sprintf("+387 33 700 10%d", i)},
			"otherTelephone":             {fmt.Sprintf("+387 33 700 20%d", i), fmt.Sprintf("+387 33 700 30%d", i)},
			"ipPhone":                    {fmt.Sprintf("20%d", i)}, "mobile": {fmt.Sprintf("+387 61 100 10%d", i)},
			"homePhone": {fmt.Sprintf("+387 33 800 10%d", i)}, "facsimileTelephoneNumber": {fmt.Sprintf("+387 33 900 10%d", i)},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range adContacts {
		err := sambaad.AddContact(l, adContactDN(i), map[string][]string{
			"givenName": {"Partner" + strconv.Itoa(i)}, "sn": {"Extern"}, "displayName": {fmt.Sprintf("Partner%d Extern", i)},
			"company": {"Fabrikam"}, "telephoneNumber": {fmt.Sprintf("+387 35 500 10%d", i)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// adSettings are the source's settings against d: the reader by principal name, the person
// filter, OU=Phonebook, pages of 4 (smaller than the 9 entries).
func adSettings(d *sambaad.DC, mod func(m map[string]any)) map[string]any {
	m := map[string]any{"url": d.URL, "bind_dn": readerSAM + "@" + sambaad.DNSDomain, "password": readerPW,
		"base_dn": adOU, "filter": personFilter, "page_size": 4}
	if mod != nil {
		mod(m)
	}
	return m
}

func rawSettings(m map[string]any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range m {
		out[k], _ = json.Marshal(v)
	}
	return out
}

// newADSource builds the source with a logger that keeps its records.
func newADSource(t *testing.T, m map[string]any) (dirsync.Source, *recordHandler) {
	t.Helper()
	raw, _ := json.Marshal(m)
	h := &recordHandler{}
	src, err := ldapsrc.New(raw, dirsync.Env{Logger: slog.New(h)})
	if err != nil {
		t.Fatal(err)
	}
	return src, h
}

// recordHandler keeps every log record's attributes.
type recordHandler struct {
	mu      sync.Mutex
	records []map[string]string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, m)
	return nil
}

func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// last returns the last record with that message.
func (h *recordHandler) last(msg string) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.records) - 1; i >= 0; i-- {
		if h.records[i]["msg"] == msg {
			return h.records[i]
		}
	}
	return nil
}

// guidOf is the source's id for the entry at dn: its objectGUID in the GUID's usual form.
func guidOf(t *testing.T, l *ldap.Conn, dn string) string {
	t.Helper()
	e, err := sambaad.Read(l, dn, "objectGUID")
	if err != nil {
		t.Fatal(err)
	}
	id, err := ldapsrc.FormatGUID(e.GetRawAttributeValue("objectGUID"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSambaAD: a full sync of AD users and contacts with the AD attribute map, paged; a change
// read alone by the uSNChanged delta; a deletion found by the sweep; binds by principal name,
// DN and DOMAIN\name; LDAPS and StartTLS.
func TestSambaAD(t *testing.T) {
	d := startSamba(t, sambaad.Config{})
	l := d.Admin(t)
	ctx := context.Background()
	const n = adUsers + adContacts

	t.Run("Samba pages at page_size", func(t *testing.T) {
		// The server itself cuts a search into pages of 4 (so a source ignoring the cookie
		// would read 4 of 9).
		res, err := l.Search(ldap.NewSearchRequest(adOU, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			personFilter, []string{"cn"}, []ldap.Control{ldap.NewControlPaging(4)}))
		if err != nil {
			t.Fatal(err)
		}
		pc, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if len(res.Entries) != 4 || pc == nil || len(pc.Cookie) == 0 {
			t.Fatalf("first page: %d entries, control %v; want 4 and a cookie", len(res.Entries), pc)
		}
	})

	src, logs := newADSource(t, adSettings(d, nil))
	sink := &recordSink{}
	full, err := src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("full sync maps users and contacts", func(t *testing.T) {
		if len(sink.ids) != n {
			t.Fatalf("full sync read %d entries in pages of 4, want %d", len(sink.ids), n)
		}
		u1 := sink.byID[guidOf(t, l, adUserDN(1))]
		if u1 == nil {
			t.Fatalf("no contact keyed by user 1's objectGUID; ids %v", sink.ids)
		}
		if u1.DisplayName != "Ana1 Kovač" || u1.FirstName != "Ana1" || u1.LastName != "Kovač" || u1.Company != "Contoso" ||
			u1.Department != "Sales" || u1.JobTitle != "Agent" || u1.OfficeLocation != "Sarajevo" {
			t.Fatalf("user 1 mapped as %+v", u1)
		}
		for _, want := range []struct {
			typ phonebook.NumberType
			v   string
		}{
			{typ: phonebook.NumberWork, v: "+387 33 700 101"}, {typ: phonebook.NumberWork, v: "+387 33 700 201"},
			{typ: phonebook.NumberWork, v: "+387 33 700 301"}, {typ: phonebook.NumberMobile, v: "+387 61 100 101"},
			{typ: phonebook.NumberHome, v: "+387 33 800 101"}, {typ: phonebook.NumberFax, v: "+387 33 900 101"},
			{typ: phonebook.NumberOther, v: "201"},
		} {
			if !hasNumber(u1, want.typ, want.v) {
				t.Errorf("user 1 lacks %s number %s: %+v", want.typ, want.v, u1.Numbers)
			}
		}
		if len(u1.Emails) == 0 || u1.Emails[0].Address != "ana1@pbx.test" {
			t.Errorf("user 1 e-mail: %+v", u1.Emails)
		}
		c2 := sink.byID[guidOf(t, l, adContactDN(2))]
		if c2 == nil || c2.DisplayName != "Partner2 Extern" || c2.Company != "Fabrikam" || !hasNumber(c2, phonebook.NumberWork, "+387 35 500 102") {
			t.Fatalf("contact 2 mapped as %+v", c2)
		}
		var st struct {
			Flavor       string
			DC           string
			InvocationID string `json:"invocation_id"`
			USN          int64
		}
		if err := json.Unmarshal(full.State, &st); err != nil || st.Flavor != ldapsrc.FlavorAD || st.USN <= 0 ||
			!strings.Contains(st.DC, "CN=NTDS Settings,CN="+sambaad.HostName) || len(st.InvocationID) != 36 {
			t.Fatalf("state %s (%v): want flavor ad, a USN, the DC's NTDS Settings and invocationId", full.State, err)
		}
	})

	t.Run("a change is the only entry the next delta reads", func(t *testing.T) {
		var st struct{ USN int64 }
		if err := json.Unmarshal(full.State, &st); err != nil {
			t.Fatal(err)
		}
		mod := ldap.NewModifyRequest(adUserDN(2), nil)
		mod.Replace("title", []string{"Head of Sales"})
		mod.Replace("mobile", []string{"+387 61 999 888"})
		if err := l.Modify(mod); err != nil {
			t.Fatal(err)
		}
		usn, err := sambaad.USNChanged(l, adUserDN(2))
		if err != nil || usn <= st.USN {
			t.Fatalf("the change's uSNChanged is %d (%v), want above the state's %d", usn, err, st.USN)
		}
		sink := &recordSink{}
		if _, err := src.Sync(ctx, dirsync.Request{State: full.State}, sink); err != nil {
			t.Fatal(err)
		}
		rec := logs.last("ldap: read")
		wantFilter := "(&" + personFilter + "(uSNChanged>=" + strconv.FormatInt(st.USN+1, 10) + "))"
		if rec["mode"] != "delta" || rec["flavor"] != "ad" || rec["filter"] != wantFilter || rec["entries"] != "1" {
			t.Fatalf("delta logged %v, want mode delta, flavor ad, filter %s, 1 entry", rec, wantFilter)
		}
		id2 := guidOf(t, l, adUserDN(2))
		if len(sink.ids) != 1 || sink.ids[0] != id2 {
			t.Fatalf("delta read %v, want only user 2 (%s)", sink.ids, id2)
		}
		if c := sink.byID[id2]; c.JobTitle != "Head of Sales" || !hasNumber(c, phonebook.NumberMobile, "+387 61 999 888") {
			t.Fatalf("changed user read as %+v", c)
		}
	})

	t.Run("deletion found by the sweep, addition by the delta", func(t *testing.T) {
		eng, store := engine(t)
		v, err := eng.Create(ctx, dirsync.Input{Type: ptr("ldap"), Name: ptr("ad"), Enabled: ptr(false), Settings: rawSettings(adSettings(d, nil))})
		if err != nil {
			t.Fatal(err)
		}
		run, err := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
		if err != nil || run.Result != dirsync.ResultOK || run.Mode != "full" || run.Synced != n {
			t.Fatalf("first sync: %+v, %v", run, err)
		}
		id5 := guidOf(t, l, adUserDN(5))
		if err := l.Del(ldap.NewDelRequest(adUserDN(5), nil)); err != nil {
			t.Fatal(err)
		}
		if err := sambaad.AddContact(l, adContactDN(9), map[string][]string{"displayName": {"Nova Osoba"}, "telephoneNumber": {"+387 33 111 222"}}); err != nil {
			t.Fatal(err)
		}
		run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
		if err != nil || run.Result != dirsync.ResultOK || run.Mode != "delta" || run.Synced != 1 || run.Changed != 1 || run.Deleted != 0 {
			t.Fatalf("delta after a delete and an add: %+v, %v; want the add alone", run, err)
		}
		if store.Contacts("ad")[id5] == nil {
			t.Fatal("a delta removed the deleted user's contact: AD's deltas do not show deletions")
		}
		if c := store.Contacts("ad")[guidOf(t, l, adContactDN(9))]; c == nil || c.DisplayName != "Nova Osoba" {
			t.Fatalf("added contact: %+v", c)
		}
		run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{Full: true})
		if err != nil || run.Result != dirsync.ResultOK || run.Mode != "full" || run.Deleted != 1 || run.Synced != n {
			t.Fatalf("full sweep after the delete: %+v, %v", run, err)
		}
		if store.Contacts("ad")[id5] != nil || len(store.Contacts("ad")) != n {
			t.Fatalf("the sweep left the deleted user: %d contacts", len(store.Contacts("ad")))
		}
	})

	t.Run("binds", func(t *testing.T) {
		for _, tc := range []struct {
			name, bindDN, password string
			wantText               string // a refusal naming settings.password
		}{
			{name: "user@domain", bindDN: readerSAM + "@" + sambaad.DNSDomain, password: readerPW},
			{name: "DN", bindDN: readerDN, password: readerPW},
			{name: `DOMAIN\user`, bindDN: sambaad.NetBIOSDomain + `\` + readerSAM, password: readerPW},
			// AD's diagnostic carries the reason: data 52e is "wrong password".
			{name: "wrong password", bindDN: readerDN, password: "nope", wantText: "data 52e"},
			{name: "unknown user", bindDN: "ghost@" + sambaad.DNSDomain, password: "nope", wantText: "invalidCredentials"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				src, _ := newADSource(t, adSettings(d, func(m map[string]any) { m["bind_dn"], m["password"] = tc.bindDN, tc.password }))
				cs, err := src.(dirsync.Tester).Test(ctx, 3)
				if tc.wantText == "" {
					if err != nil || len(cs) != 3 {
						t.Fatalf("test: %d contacts, %v", len(cs), err)
					}
					return
				}
				var ce *dirsync.CredentialsError
				if !errors.As(err, &ce) || ce.Field != "settings.password" || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("err = %v, want a refusal naming settings.password with %q", err, tc.wantText)
				}
				t.Logf("refusal: %v", err)
				if strings.Contains(err.Error(), tc.password) {
					t.Fatalf("the error shows the password: %v", err)
				}
			})
		}
	})

	t.Run("TLS", func(t *testing.T) {
		eng, _ := engine(t)
		for _, tc := range []struct {
			name    string
			mod     func(m map[string]any)
			wantTLS bool // an UnreachableError of cause tls
		}{
			{name: "LDAPS with the CA", mod: func(m map[string]any) { m["url"] = d.TLSURL; m["ca_pem"] = string(d.CAPEM) }},
			{name: "StartTLS with the CA", mod: func(m map[string]any) { m["start_tls"] = true; m["ca_pem"] = string(d.CAPEM) }},
			{name: "LDAPS, unknown CA", mod: func(m map[string]any) { m["url"] = d.TLSURL }, wantTLS: true},
			{name: "StartTLS, unknown CA", mod: func(m map[string]any) { m["start_tls"] = true }, wantTLS: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cs, err := eng.TestInput(ctx, dirsync.Input{Type: ptr("ldap"), Settings: rawSettings(adSettings(d, tc.mod))}, 5)
				if tc.wantTLS {
					var ue *dirsync.UnreachableError
					if !errors.As(err, &ue) || ue.Cause != dirsync.CauseTLS {
						t.Fatalf("err = %v, want an unreachable error of cause tls", err)
					}
					return
				}
				if err != nil || len(cs) != 5 {
					t.Fatalf("%d contacts, %v", len(cs), err)
				}
			})
		}
	})

	t.Run("default filter and computer accounts", func(t *testing.T) {
		// From the domain's root, (objectClass=user) also matches the DC's computer account;
		// the person filter the docs recommend does not.
		for _, tc := range []struct {
			filter   string
			wantDC   bool
			wantUser bool
		}{
			{filter: ldapsrc.DefaultFilter, wantDC: true, wantUser: true},
			{filter: personFilter, wantDC: false, wantUser: true},
		} {
			src, _ := newADSource(t, adSettings(d, func(m map[string]any) { m["base_dn"] = sambaad.BaseDN; m["filter"] = tc.filter }))
			sink := &recordSink{}
			if _, err := src.Sync(ctx, dirsync.Request{Full: true}, sink); err != nil {
				t.Fatal(err)
			}
			_, dc := sink.byID[guidOf(t, l, "CN="+sambaad.HostName+",OU=Domain Controllers,"+sambaad.BaseDN)]
			_, user := sink.byID[guidOf(t, l, adUserDN(0))]
			if dc != tc.wantDC || user != tc.wantUser {
				t.Errorf("filter %s: DC's computer account read %v (want %v), user 0 read %v", tc.filter, dc, tc.wantDC, user)
			}
		}
	})
}

// TestSambaADDefaults runs against a DC as Samba sets it up: simple binds need TLS ("ldap
// server require strong auth = yes") and the TLS certificate is the one Samba generates. That
// one names the DC only in its common name (no subjectAltName), so it cannot be verified, and
// its serial number is the start time's bytes in the machine's order: negative, which Go
// refuses outright, when the time's low byte is 128 or more. Which of the two a run gets
// depends on the second the DC started; both are asserted.
func TestSambaADDefaults(t *testing.T) {
	d := sambaad.Start(t, sambaad.Config{RequireStrongAuth: true, AutogeneratedTLS: true})
	block, _ := pem.Decode(d.CAPEM)
	if block == nil {
		t.Fatalf("samba's ca.pem is not PEM: %q", d.CAPEM)
	}
	_, perr := x509.ParseCertificate(block.Bytes)
	negative := perr != nil && strings.Contains(perr.Error(), "negative serial number")
	if perr != nil && !negative {
		t.Fatalf("samba's CA: %v", perr)
	}
	t.Logf("samba's certificate has a negative serial number: %v", negative)
	eng, _ := engine(t)
	base := func(m map[string]any) {
		m["bind_dn"], m["password"], m["base_dn"] = sambaad.AdminUPN, sambaad.AdminPassword, "CN=Users,"+sambaad.BaseDN
	}
	const (
		refused   = iota + 1 // a refusal naming settings.password
		tlsFailed            // an UnreachableError of cause tls
		badCA                // settings.ca_pem refused
		negSerial            // the handshake fails on the negative serial
		read                 // the test reads entries
	)
	pick := func(positive, neg int) int {
		if negative {
			return neg
		}
		return positive
	}
	for _, tc := range []struct {
		name string
		mod  func(m map[string]any)
		want int
	}{
		{name: "plain ldap refused by the server", want: refused},
		{name: "Samba's CA trusted", mod: func(m map[string]any) { m["url"] = d.TLSURL; m["ca_pem"] = string(d.CAPEM) }, want: pick(tlsFailed, badCA)},
		{name: "verification off", mod: func(m map[string]any) { m["url"] = d.TLSURL; m["insecure_skip_verify"] = true }, want: pick(read, negSerial)},
		{name: "StartTLS, verification off", mod: func(m map[string]any) { m["start_tls"] = true; m["insecure_skip_verify"] = true }, want: pick(read, negSerial)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := adSettings(d, base)
			if tc.mod != nil {
				tc.mod(m)
			}
			cs, err := eng.TestInput(context.Background(), dirsync.Input{Type: ptr("ldap"), Settings: rawSettings(m)}, 2)
			var ce *dirsync.CredentialsError
			var ue *dirsync.UnreachableError
			switch tc.want {
			case refused:
				if !errors.As(err, &ce) || ce.Field != "settings.password" || !strings.Contains(err.Error(), "try ldaps:// or start_tls") {
					t.Fatalf("err = %v, want a refusal naming settings.password that suggests TLS", err)
				}
			case tlsFailed:
				if !errors.As(err, &ue) || ue.Cause != dirsync.CauseTLS {
					t.Fatalf("err = %v, want an unreachable error of cause tls", err)
				}
			case badCA:
				if err == nil || !strings.Contains(err.Error(), "settings.ca_pem") || !strings.Contains(err.Error(), "negative serial number") {
					t.Fatalf("err = %v, want settings.ca_pem refused for its negative serial number", err)
				}
			case negSerial:
				if err == nil || !strings.Contains(err.Error(), "negative serial number (RFC 5280") {
					t.Fatalf("err = %v, want the handshake's negative serial number explained", err)
				}
			case read:
				if err != nil || len(cs) != 2 {
					t.Fatalf("%d contacts, %v", len(cs), err)
				}
			}
		})
	}
}
