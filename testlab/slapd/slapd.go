// Package slapd runs a throwaway OpenLDAP server (Debian package slapd) for tests and
// benchmarks: its own generated slapd.conf and mdb database in a temporary directory, one
// port on loopback, a suffix with an admin DN and password, an LDIF fixture loaded offline
// with slapadd before the start. The server is stopped and its files removed on t.Cleanup.
// Tests skip when slapd is missing, but fail with CI=true (.ci/run installs it).
package slapd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SchemaDir is where Debian's slapd installs its schema files.
const SchemaDir = "/etc/ldap/schema"

// ModuleDir is where Debian's slapd installs its dynamic modules (back_mdb, syncprov, …).
const ModuleDir = "/usr/lib/ldap"

// Binary returns the path of slapd, or an error saying how to install it.
func Binary() (string, error) {
	for _, p := range []string{"slapd", "/usr/sbin/slapd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
	}
	return "", errors.New("slapd not found: install the Debian packages slapd and ldap-utils (DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils)")
}

// slapadd returns the path of slapadd (shipped with slapd).
func slapadd() (string, error) {
	for _, p := range []string{"slapadd", "/usr/sbin/slapadd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
	}
	return "", errors.New("slapadd not found: install the Debian package slapd")
}

// Require skips the test when slapd is missing, but fails it when CI=true.
func Require(t testing.TB) {
	t.Helper()
	_, err := Binary()
	if err == nil {
		_, err = slapadd()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

// Config describes one throwaway server. The zero value is a server for dc=example,dc=com
// with admin cn=admin,dc=example,dc=com / secret and an empty database.
type Config struct {
	// Suffix is the database's naming context; default dc=example,dc=com.
	Suffix string
	// AdminDN and AdminPassword are the rootdn and rootpw; default cn=admin,<suffix> / secret.
	AdminDN, AdminPassword string
	// LDIF is loaded with slapadd before the start (write it with WriteBase and WritePeople,
	// or by hand). It must hold the suffix entry itself; empty: the database starts empty,
	// and online adds then need the suffix entry first.
	LDIF []byte
	// SizeLimit is the server's sizelimit for searches; 0 means unlimited (the default: big
	// fixtures must come back whole; the rootdn is never limited anyway). A paged search
	// (RFC 2696) may read more in total, as on Active Directory.
	SizeLimit int
	// Indexes are slapd.conf index lines' arguments; default
	// "objectClass,entryUUID,entryCSN eq" and "modifyTimestamp eq" (mdb serves >= filters on
	// generalizedTime from the equality index).
	Indexes []string
	// MaxSize is mdb's map size in bytes (a sparse file); default 1 GiB.
	MaxSize int64
	// TLSCertPEM and TLSKeyPEM, when both set, enable StartTLS on the port (and TLSPort gets an
	// ldaps:// listener).
	TLSCertPEM, TLSKeyPEM []byte
	// Extra lines appended to the global section of slapd.conf (before the database).
	Extra []string
	// Log receives slapd's stderr (its debug output with -d); default discarded.
	Log *bytes.Buffer
}

// Server is a running throwaway slapd.
type Server struct {
	// URL is ldap://127.0.0.1:<port>.
	URL string
	// Addr is 127.0.0.1:<port>.
	Addr string
	// TLSURL is ldaps://127.0.0.1:<port> when TLS was configured, else empty.
	TLSURL string
	// Suffix, AdminDN and AdminPassword are the configuration's (after defaults).
	Suffix, AdminDN, AdminPassword string
	// Dir holds slapd.conf and the database; removed on stop.
	Dir string

	cmd  *exec.Cmd
	done chan error
}

func (c *Config) defaults() {
	if c.Suffix == "" {
		c.Suffix = "dc=example,dc=com"
	}
	if c.AdminDN == "" {
		c.AdminDN = "cn=admin," + c.Suffix
	}
	if c.AdminPassword == "" {
		c.AdminPassword = "secret"
	}
	if len(c.Indexes) == 0 {
		c.Indexes = []string{"objectClass,entryUUID,entryCSN eq", "modifyTimestamp eq"}
	}
	if c.MaxSize == 0 {
		c.MaxSize = 1 << 30
	}
}

// confQuote quotes a slapd.conf argument.
func confQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// writeConf writes slapd.conf for c into dir.
func writeConf(dir string, c *Config) (string, error) {
	var b strings.Builder
	for _, s := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s\n", filepath.Join(SchemaDir, s+".schema"))
	}
	fmt.Fprintf(&b, "modulepath %s\nmoduleload back_mdb\n", ModuleDir)
	fmt.Fprintf(&b, "pidfile %s\nargsfile %s\n", filepath.Join(dir, "slapd.pid"), filepath.Join(dir, "slapd.args"))
	if c.SizeLimit > 0 {
		fmt.Fprintf(&b, "sizelimit %d\n", c.SizeLimit)
	} else {
		b.WriteString("sizelimit unlimited\n")
	}
	if len(c.TLSCertPEM) > 0 && len(c.TLSKeyPEM) > 0 {
		cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
		if err := os.WriteFile(cert, c.TLSCertPEM, 0o600); err != nil {
			return "", err
		}
		if err := os.WriteFile(key, c.TLSKeyPEM, 0o600); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "TLSCertificateFile %s\nTLSCertificateKeyFile %s\n", cert, key)
	}
	for _, l := range c.Extra {
		b.WriteString(l + "\n")
	}
	b.WriteString("database mdb\n")
	fmt.Fprintf(&b, "suffix %s\nrootdn %s\nrootpw %s\n", confQuote(c.Suffix), confQuote(c.AdminDN), confQuote(c.AdminPassword))
	fmt.Fprintf(&b, "directory %s\nmaxsize %d\n", filepath.Join(dir, "db"), c.MaxSize)
	for _, ix := range c.Indexes {
		fmt.Fprintf(&b, "index %s\n", ix)
	}
	if c.SizeLimit > 0 {
		// Paged searches (RFC 2696) may read past the limit, page by page, as on Active
		// Directory, where MaxPageSize caps each page and not the total.
		fmt.Fprintf(&b, "limits * size.soft=%d size.hard=%d size.prtotal=unlimited\n", c.SizeLimit, c.SizeLimit)
	} else {
		b.WriteString("limits * size=unlimited\n")
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	return conf, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts a server for c and registers its stop (and the removal of its files) with
// t.Cleanup. It skips the test without slapd (fails with CI=true) and fails it on any error.
func Start(t testing.TB, c Config) *Server {
	t.Helper()
	Require(t)
	s, err := start(c)
	if err != nil {
		t.Fatalf("slapd: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("slapd stop: %v", err)
		}
	})
	return s
}

// start does Start's work; the caller owns the returned server and must Stop it.
func start(c Config) (*Server, error) {
	c.defaults()
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	add, err := slapadd()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pbxagent-slapd-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		return fail(err)
	}
	conf, err := writeConf(dir, &c)
	if err != nil {
		return fail(fmt.Errorf("write slapd.conf: %w", err))
	}
	if len(c.LDIF) > 0 {
		ldif := filepath.Join(dir, "fixture.ldif")
		if err := os.WriteFile(ldif, c.LDIF, 0o600); err != nil {
			return fail(err)
		}
		// -q: quick mode (no consistency checks), fine for a generated fixture.
		out, err := exec.Command(add, "-q", "-f", conf, "-l", ldif).CombinedOutput()
		if err != nil {
			return fail(fmt.Errorf("slapadd: %w: %s", err, bytes.TrimSpace(out)))
		}
		os.Remove(ldif)
	}
	// A port picked free may be taken by someone else before slapd binds it: retry a few times.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s, err := launch(bin, conf, dir, &c)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return fail(lastErr)
}

// launch starts slapd in the foreground (-d, so it does not fork and the exec.Cmd owns it)
// and waits until its port accepts connections.
func launch(bin, conf, dir string, c *Config) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	urls := "ldap://" + addr + "/"
	s := &Server{
		URL: "ldap://" + addr, Addr: addr, Dir: dir,
		Suffix: c.Suffix, AdminDN: c.AdminDN, AdminPassword: c.AdminPassword,
		done: make(chan error, 1),
	}
	var tlsAddr string
	if len(c.TLSCertPEM) > 0 && len(c.TLSKeyPEM) > 0 {
		tp, err := freePort()
		if err != nil {
			return nil, err
		}
		tlsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tp))
		urls += " ldaps://" + tlsAddr + "/"
		s.TLSURL = "ldaps://" + tlsAddr
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-f", conf, "-h", urls, "-d", "0")
	if c.Log != nil {
		cmd.Stderr = c.Log
	} else {
		cmd.Stderr = &stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start slapd: %w", err)
	}
	s.cmd = cmd
	go func() { s.done <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, a := range []string{addr, tlsAddr} {
		if a == "" {
			continue
		}
		if err := s.waitPort(ctx, a); err != nil {
			s.kill()
			return nil, fmt.Errorf("slapd on %s: %w: %s", a, err, bytes.TrimSpace(stderr.Bytes()))
		}
	}
	return s, nil
}

// waitPort polls addr until it accepts a connection, slapd exits, or ctx ends.
func (s *Server) waitPort(ctx context.Context, addr string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("slapd exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// kill stops the process and waits for it.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.done <- nil
}

// Stop terminates slapd (SIGTERM, then SIGKILL after 10 s) and removes its directory.
func (s *Server) Stop() error {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		s.cmd = nil
	}
	return os.RemoveAll(s.Dir)
}
