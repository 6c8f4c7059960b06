package slapd

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ldapsearch runs OpenLDAP's client against s and returns its output; it skips without
// ldap-utils (fails with CI=true).
func ldapsearch(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("ldapsearch")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: ldapsearch not found (Debian package ldap-utils)")
		}
		t.Skip("skipping: ldapsearch not found (Debian package ldap-utils)")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func countDNs(out string) int {
	return strings.Count(out, "\ndn: ") + boolInt(strings.HasPrefix(out, "dn: "))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStartLoadsFixtureAndCleansUp(t *testing.T) {
	Require(t)
	ldif, err := Fixture("dc=example,dc=com", 120, 7)
	if err != nil {
		t.Fatal(err)
	}
	var dir, addr string
	t.Run("server", func(t *testing.T) {
		s := Start(t, Config{LDIF: ldif, SizeLimit: 50})
		dir, addr = s.Dir, s.Addr
		if !strings.HasPrefix(s.URL, "ldap://127.0.0.1:") {
			t.Fatalf("URL %q is not on loopback", s.URL)
		}
		// Paged (RFC 2696, page 25) as the admin: every person, more than the size limit.
		out, err := ldapsearch(t, nil, "-x", "-LLL", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword,
			"-b", PeopleOU+","+s.Suffix, "-E", "pr=25/noprompt", "(objectClass=inetOrgPerson)", "cn", "entryUUID", "modifyTimestamp")
		if err != nil {
			t.Fatalf("ldapsearch: %v\n%s", err, out)
		}
		if n := countDNs(out); n != 120 {
			t.Fatalf("paged search returned %d entries, want 120", n)
		}
		if !strings.Contains(out, "entryUUID: ") || !strings.Contains(out, "modifyTimestamp: ") {
			t.Fatalf("operational attributes missing:\n%.400s", out)
		}
		// One entry by DN, with its numbers.
		out, err = ldapsearch(t, nil, "-x", "-LLL", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword,
			"-b", PersonDN(s.Suffix, 3), "-s", "base", "(objectClass=*)", "uid", "telephoneNumber", "mobile", "homePhone", "facsimileTelephoneNumber")
		if err != nil || !strings.Contains(out, "uid: p0000003") {
			t.Fatalf("base search: %v\n%s", err, out)
		}
		// A wrong password is refused (exit code 49 = invalidCredentials).
		out, err = ldapsearch(t, nil, "-x", "-H", s.URL, "-D", s.AdminDN, "-w", "wrong", "-b", s.Suffix, "-s", "base")
		if err == nil || !strings.Contains(out, "Invalid credentials") {
			t.Fatalf("wrong password: err=%v\n%s", err, out)
		}
		// Anonymous paged search reads past the size limit of 50 (size.prtotal=unlimited).
		out, err = ldapsearch(t, nil, "-x", "-LLL", "-H", s.URL, "-b", s.Suffix, "-E", "pr=20/noprompt", "(objectClass=inetOrgPerson)", "cn")
		if err != nil || countDNs(out) != 120 {
			t.Fatalf("anonymous paged search: %v, %d entries", err, countDNs(out))
		}
		// Anonymous unpaged search hits the size limit of 50.
		out, err = ldapsearch(t, nil, "-x", "-LLL", "-H", s.URL, "-b", s.Suffix, "(objectClass=inetOrgPerson)", "cn")
		if err == nil || !strings.Contains(out, "Size limit exceeded") {
			t.Fatalf("size limit not applied: err=%v\n%.300s", err, out)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory %s not removed: %v", dir, err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("slapd still listening on %s after cleanup", addr)
	}
}

func TestStartTLS(t *testing.T) {
	Require(t)
	certPEM, keyPEM := SelfSigned(t)
	s := Start(t, Config{TLSCertPEM: certPEM, TLSKeyPEM: keyPEM})
	if s.TLSURL == "" {
		t.Fatal("no ldaps URL")
	}
	caFile := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"LDAPTLS_CACERT=" + caFile, "LDAPTLS_REQCERT=demand"}
	for _, args := range [][]string{
		{"-ZZ", "-H", s.URL}, // StartTLS, required
		{"-H", s.TLSURL},     // LDAPS
	} {
		a := append([]string{"-x", "-LLL", "-D", s.AdminDN, "-w", s.AdminPassword, "-b", "", "-s", "base", "(objectClass=*)", "namingContexts"}, args...)
		out, err := ldapsearch(t, env, a...)
		if err != nil || !strings.Contains(out, "namingContexts: "+s.Suffix) {
			t.Fatalf("ldapsearch %v: %v\n%s", args, err, out)
		}
	}
}

func TestWriteBaseRejectsOddSuffix(t *testing.T) {
	for _, tc := range []struct {
		name, suffix string
		ok           bool
	}{
		{name: "dc", suffix: "dc=example,dc=com", ok: true},
		{name: "o", suffix: "o=Acme", ok: true},
		{name: "no equals", suffix: "example", ok: false},
		{name: "cn", suffix: "cn=x", ok: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteBase(&bytes.Buffer{}, tc.suffix)
			if (err == nil) != tc.ok {
				t.Fatalf("WriteBase(%q) err = %v, want ok=%v", tc.suffix, err, tc.ok)
			}
		})
	}
}

func TestAttrBase64ForUnsafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{in: "Ana", want: "cn: Ana\n"},
		{in: "Đorđe", want: "cn:: xJBvcsSRZQ==\n"},
		{in: " lead", want: "cn:: IGxlYWQ=\n"},
	} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		attr(w, "cn", tc.in)
		w.Flush()
		if b.String() != tc.want {
			t.Errorf("attr(%q) = %q, want %q", tc.in, b.String(), tc.want)
		}
	}
}

func TestStartRejectsBadLDIF(t *testing.T) {
	Require(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, err := start(Config{LDIF: []byte("dn: uid=x,dc=other,dc=org\nobjectClass: nonsense\n\n")})
	if err == nil || !strings.Contains(err.Error(), "slapadd") {
		t.Fatalf("start with a bad LDIF: err = %v, want a slapadd error", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestFixtureAtKeepsTimestamps(t *testing.T) {
	Require(t)
	ldif, err := FixtureAt("dc=example,dc=com", 3, 1, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Config{LDIF: ldif})
	out, err := ldapsearch(t, nil, "-x", "-LLL", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword,
		"-b", PeopleOU+","+s.Suffix, "(modifyTimestamp<=20200102030405Z)", "modifyTimestamp")
	if err != nil {
		t.Fatalf("ldapsearch: %v\n%s", err, out)
	}
	if n := countDNs(out); n != 3 || !strings.Contains(out, "modifyTimestamp: 20200102030405Z") {
		t.Fatalf("want 3 entries stamped 20200102030405Z, got %d:\n%s", n, out)
	}
}
