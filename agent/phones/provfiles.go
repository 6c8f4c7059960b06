package phones

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/provisioning"
)

// globalMAC names the Polycom seed directory shared by every phone.
const globalMAC = "000000000000"

var (
	polycomDirRe = regexp.MustCompile(`^(?i)([0-9a-f]{12})-directory\.xml$`)
	polycomCfgRe = regexp.MustCompile(`^(?i)([0-9a-f]{12})-phonebook\.cfg$`)
	sepRe        = regexp.MustCompile(`^(?i)SEP([0-9a-f]{12})\.cnf\.xml$`)
	gsCfgRe      = regexp.MustCompile(`^(?i)cfg([0-9a-f]{12})\.xml$`)
	macCfgRe     = regexp.MustCompile(`^(?i)([0-9a-f]{12})\.cfg$`)
	macXMLRe     = regexp.MustCompile(`^(?i)([0-9a-f]{12})\.xml$`)
)

// provFile is a recognised provisioning file name.
type provFile struct {
	mac  string
	kind string // "polycom-directory", "sep", "grandstream", "cfg", "xml"
}

func parseProvFile(name string) (provFile, bool) {
	for _, c := range []struct {
		re   *regexp.Regexp
		kind string
	}{{polycomDirRe, "polycom-directory"}, {polycomCfgRe, "polycom-settings"}, {sepRe, "sep"}, {gsCfgRe, "grandstream"}, {macCfgRe, "cfg"}, {macXMLRe, "xml"}} {
		if m := c.re.FindStringSubmatch(name); m != nil {
			return provFile{mac: strings.ToLower(m[1]), kind: c.kind}, true
		}
	}
	return provFile{}, false
}

// provisioningFiles lists the files served for a phone of vendor v.
func provisioningFiles(mac string, v provisioning.Vendor) []string {
	switch v {
	case provisioning.Yealink:
		return []string{mac + ".cfg"}
	case provisioning.Cisco:
		return []string{"SEP" + strings.ToUpper(mac) + ".cnf.xml", mac + ".xml"}
	case provisioning.Polycom:
		return []string{mac + ".cfg", mac + "-phonebook.cfg", mac + "-directory.xml"}
	case provisioning.Grandstream:
		return []string{"cfg" + mac + ".xml"}
	case provisioning.Snom:
		return []string{strings.ToUpper(mac) + ".xml"}
	case provisioning.Fanvil:
		return []string{mac + ".cfg"}
	}
	return nil
}

func (s *Service) serveProvisioning(w http.ResponseWriter, q *request) {
	f, ok := parseProvFile(q.name)
	if !ok {
		http.NotFound(w, q.r)
		return
	}
	if f.kind == "polycom-directory" && f.mac == globalMAC {
		// The seed file: global contacts only, for any authenticated phone.
		s.servePolycomDirectory(w, q, identity{}, "global")
		return
	}
	// A phone may fetch only its own files; an anonymous allow-listed
	// address (AuthIP) may fetch any registered phone's.
	if q.id.phone != nil && q.id.phone.MAC != f.mac {
		s.refuse(w, q.r, &authFailure{status: http.StatusForbidden, reason: "file of another phone", user: q.id.phone.Username})
		return
	}
	rec, ok := s.reg.get(f.mac)
	if !ok {
		http.NotFound(w, q.r)
		return
	}
	q.fetchMAC = rec.MAC
	if f.kind == "polycom-directory" {
		if rec.Vendor != provisioning.Polycom {
			http.NotFound(w, q.r)
			return
		}
		s.servePolycomDirectory(w, q, identity{phone: rec}, "owner:"+rec.Owner)
		return
	}
	render, ct, ok := s.configFor(q, rec, f.kind)
	if !ok {
		http.NotFound(w, q.r)
		return
	}
	key := strings.Join([]string{"prov", q.name, rec.MAC, rec.UpdatedAt.String(), s.base(q.r), string(q.charset), localIP(q.r)}, "\x00")
	s.serve(w, q, jobSpec{key: key, modified: rec.UpdatedAt}, func() job {
		return job{render: func(context.Context) ([]byte, string, error) {
			b, err := render()
			return b, ct, err
		}}
	})
}

func (s *Service) servePolycomDirectory(w http.ResponseWriter, q *request, id identity, who string) {
	spec := jobSpec{key: strings.Join([]string{"polycom-directory", who, string(q.charset)}, "\x00"), useGen: true}
	s.serve(w, q, spec, func() job {
		return job{
			render: func(ctx context.Context) ([]byte, string, error) {
				cs, _, err := s.all(ctx, id, id.query(""), 0)
				if err != nil {
					return nil, "", err
				}
				return marshal(provisioning.PolycomDirectory(cs), q.charset)
			},
			onError: emptyOn(http.StatusServiceUnavailable, func() *etree.Document { return provisioning.PolycomDirectory(nil) }, q.charset)}
	})
}

// phoneLinks decides how a phone's configuration authenticates it: with its
// credentials when it has them and Basic or Digest is on (and the vendor's
// file has keys for them), else with its token in the URL.
func (s *Service) phoneConfig(q *request, rec *record, credsKeys bool) (provisioning.PhoneConfig, string) {
	c := provisioning.PhoneConfig{
		MAC: rec.MAC, Model: rec.Model, BookName: s.cfg.bookName,
		RefreshSeconds: provisioning.RefreshInterval(rec.MAC, int(s.cfg.refresh.Seconds()), int(s.cfg.spread.Seconds())),
		CTIAllow:       localIP(q.r),
		LDAP:           s.ldapFor(q.r, rec),
	}
	token := ""
	pass := s.reg.password(rec)
	if credsKeys && rec.Username != "" && pass != "" && s.cfg.auth&(AuthBasic|AuthDigest) != 0 {
		c.Username, c.Password = rec.Username, pass
	} else if s.cfg.auth&AuthToken != 0 {
		token = s.reg.token(rec)
	}
	return c, token
}

// bookURL is an absolute phonebook URL with the token when given; suffix is
// appended raw (e.g. "q=#SEARCH", which must not be percent-encoded).
func (s *Service) bookURL(q *request, name, token, suffix string) string {
	u := s.base(q.r) + bookPrefix + name
	sep := "?"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
		sep = "&"
	}
	if suffix != "" {
		u += sep + suffix
	}
	return u
}

// configFor returns the renderer of a configuration file for rec. The
// phone's secrets are unsealed only when the renderer runs: a revalidated
// (304) or cached file needs none of them.
func (s *Service) configFor(q *request, rec *record, kind string) (func() ([]byte, error), string, bool) {
	xml := func(doc *etree.Document) ([]byte, error) { return provisioning.Marshal(doc, q.charset) }
	xmlCT := q.charset.ContentType()
	switch {
	case kind == "cfg" && rec.Vendor == provisioning.Yealink:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, true)
			if tok == "" && s.cfg.auth&AuthToken != 0 {
				// Also the token: firmware before V84 ignores the username
				// and password keys (the "##V84 ADD" comment in Yealink's
				// template, weak; fusionpbx …/yealink/t46u/y000000000108.cfg);
				// newer firmware sends both,
				// and both name this phone.
				tok = s.reg.token(rec)
			}
			c.BookURL = s.bookURL(q, "yealink.xml", tok, "q=#SEARCH")
			return provisioning.YealinkConfig(c), nil
		}, "text/plain; charset=utf-8", true
	case kind == "cfg" && rec.Vendor == provisioning.Polycom:
		files := []string{rec.MAC + "-phonebook.cfg"}
		return func() ([]byte, error) { return xml(provisioning.PolycomMaster(files...)) }, xmlCT, true
	case kind == "polycom-settings" && rec.Vendor == provisioning.Polycom:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, false)
			c.BookURL = s.bookURL(q, "polycom.html", tok, "")
			return xml(provisioning.PolycomConfig(c))
		}, xmlCT, true
	case kind == "cfg" && rec.Vendor == provisioning.Fanvil:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, true)
			c.BookURL = s.bookURL(q, "fanvil.xml", tok, "q=")
			return xml(provisioning.FanvilConfig(c))
		}, xmlCT, true
	case kind == "sep" && rec.Vendor == provisioning.Cisco:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, false)
			c.BookURL = s.bookURL(q, "cisco-menu.xml", tok, "")
			return xml(provisioning.CiscoSEPConfig(c))
		}, xmlCT, true
	case kind == "xml" && rec.Vendor == provisioning.Cisco:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, true)
			c.BookURL = s.bookURL(q, "cisco-menu.xml", tok, "")
			return xml(provisioning.CiscoMPPConfig(c))
		}, xmlCT, true
	case kind == "xml" && rec.Vendor == provisioning.Snom:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, false)
			c.BookURL = s.bookURL(q, "snom-search.xml", tok, "")
			c.DownloadURL = s.bookURL(q, "snom.xml", tok, "")
			if tok == "" {
				// No token mode: credentials in the URLs (Snom has no keys
				// for outgoing XML credentials).
				if pass := s.reg.password(rec); rec.Username != "" && pass != "" && s.cfg.auth&AuthBasic != 0 {
					c.BookURL, c.DownloadURL = withUserinfo(c.BookURL, rec.Username, pass), withUserinfo(c.DownloadURL, rec.Username, pass)
				}
			}
			return xml(provisioning.SnomConfig(c))
		}, xmlCT, true
	case kind == "grandstream" && rec.Vendor == provisioning.Grandstream:
		return func() ([]byte, error) {
			c, tok := s.phoneConfig(q, rec, true)
			// The phone appends /phonebook.xml to P331 (inferred from
			// fusionpbx …/grandstream/dp750/{$mac}.xml; not publicly
			// confirmed), so a token goes in the path.
			c.BookURL = s.base(q.r) + bookPrefix + "grandstream"
			if tok != "" {
				c.BookURL = s.base(q.r) + tokPrefix + url.PathEscape(tok) + "/grandstream"
			}
			return xml(provisioning.GrandstreamConfig(c))
		}, xmlCT, true
	}
	return nil, "", false
}

// localIP is pbxagent's address as the phone reached it (the connection's
// local address), which is where remote-control commands come from on the
// phone's network; "" when unknown.
func localIP(r *http.Request) string {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return ""
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return ""
	}
	return ap.Addr().Unmap().String()
}

// withUserinfo puts user:pass@ into an absolute URL.
func withUserinfo(raw, user, pass string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// provisioningURL is what an administrator enters in the provisioning
// server field of a phone of vendor v, with base the public base URL:
// Yealink, Polycom and Fanvil take a directory and add the file name
// themselves; Grandstream takes a server path without the scheme (the
// protocol is a separate setting) and adds cfg<mac>.xml; Cisco MPP's
// profile rule and Snom's setting URL name the file.
func provisioningURL(base, mac string, v provisioning.Vendor) string {
	dir := base + provPrefix
	switch v {
	case provisioning.Grandstream:
		_, rest, ok := strings.Cut(base, "://")
		if !ok {
			rest = base
		}
		return rest + strings.TrimSuffix(provPrefix, "/")
	case provisioning.Cisco:
		return dir + mac + ".xml"
	case provisioning.Snom:
		return dir + strings.ToUpper(mac) + ".xml"
	}
	return dir
}
