package ldapdir_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/ldapdir"
)

// requireLdapsearch returns OpenLDAP's ldapsearch (Debian ldap-utils): the
// test skips without it, but fails in CI (CI=true), where .ci/run installs
// it.
func requireLdapsearch(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ldapsearch")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: ldapsearch (ldap-utils) is missing: %v", err)
		}
		t.Skip("ldapsearch (Debian ldap-utils) is not installed")
	}
	return p
}

// ldapsearch runs ldapsearch against addr and returns the cn values it
// printed and its exit code (the LDAP result code for failed searches).
func ldapsearch(t *testing.T, bin, addr string, args ...string) ([]string, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	all := append([]string{"-x", "-LLL", "-o", "ldif-wrap=no", "-H", "ldap://" + addr, "-b", testBase}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "LDAPNOINIT=1") // no ldap.conf or ~/.ldaprc
	out, err := cmd.CombinedOutput()
	rc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ldapsearch: %v", err)
	}
	var cns []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "cn: "); ok {
			cns = append(cns, v)
		}
		if v, ok := strings.CutPrefix(line, "cn:: "); ok {
			cns = append(cns, "base64:"+v)
		}
	}
	return cns, rc, string(out)
}

func TestLdapsearch(t *testing.T) {
	bin := requireLdapsearch(t)
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback, SizeLimit: 25})
	alice := []string{"-D", "cn=alice-phone," + testBase, "-w", alicePass}
	tests := []struct {
		name   string
		args   []string
		want   []string
		wantRC int
	}{
		{name: "yealink name filter bound as alice's phone", args: append(slices.Clone(alice), "(|(cn=smi*)(sn=smi*))", "cn", "telephoneNumber"),
			want: []string{"Anna Smithson", "John Smith"}},
		{name: "personal contacts by number", args: append(slices.Clone(alice), "(|(telephoneNumber=07700*)(mobile=07700*))", "cn"),
			want: []string{"Alice's Mum", "Anna Smithson"}},
		{name: "anonymous sees global only", args: []string{"(|(telephoneNumber=07700*)(mobile=07700*))", "cn"},
			want: []string{"Anna Smithson"}},
		{name: "incoming call lookup", args: append(slices.Clone(alice), "(telephoneNumber=+44 20 7946 0018)", "cn"),
			want: []string{"Bob Builder"}},
		{name: "paged", args: append(slices.Clone(alice), "-E", "pr=4/noprompt", "(cn=page person0*)", "cn"),
			want: []string{"Page Person00", "Page Person01", "Page Person02", "Page Person03", "Page Person04",
				"Page Person05", "Page Person06", "Page Person07", "Page Person08", "Page Person09"}},
		{name: "size limit", args: append(slices.Clone(alice), "-z", "3", "(cn=page*)", "cn"),
			want: []string{"Page Person00", "Page Person01", "Page Person02"}, wantRC: 4},
		{name: "wrong password", args: []string{"-D", "alice-phone", "-w", "wrong", "(cn=*)"}, wantRC: 49},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rc, out := ldapsearch(t, bin, addr, tc.args...)
			if rc != tc.wantRC {
				t.Fatalf("exit %d, want %d:\n%s", rc, tc.wantRC, out)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("cn %q, want %q:\n%s", got, tc.want, out)
			}
		})
	}
}
