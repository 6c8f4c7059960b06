package ldapsrc

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "ldap" source type; register it with dirsync.WithTypes. The password goes to the
// server the URL names, over the TLS the other destination settings describe: changing any of
// them needs it again.
var Type = dirsync.Type{Name: "ldap", Secrets: []string{"password"},
	Destinations: []string{"url", "insecure_skip_verify", "ca_pem", "allow_plaintext"},
	Delta:        true, New: New}

// Flavors of directory.
const (
	// FlavorOpenLDAP is any server keeping modifyTimestamp (OpenLDAP, 389 DS, …); ids from entryUUID.
	FlavorOpenLDAP = "openldap"
	// FlavorAD is Microsoft Active Directory (or AD LDS): deltas by uSNChanged, ids from objectGUID.
	FlavorAD = "ad"
)

// DefaultFilter selects people and contacts on both flavors.
const DefaultFilter = "(|(objectClass=inetOrgPerson)(objectClass=user)(objectClass=contact))"

// Defaults and bounds of the numeric settings.
const (
	DefaultPageSize       = 500
	MaxPageSize           = 100_000
	DefaultTimeoutSeconds = 60
	DefaultOverlapSeconds = 60
	DefaultMaxEntries     = 1_000_000
)

// DefaultAttributes maps contact fields to the LDAP attributes read for them. For name and text
// fields the first attribute with a value wins; numbers and e-mail take every value of every
// attribute listed. company and o, department and ou cover Active Directory and inetOrgPerson.
var DefaultAttributes = map[string][]string{
	"display_name":    {"displayName", "cn"},
	"first_name":      {"givenName"},
	"last_name":       {"sn"},
	"email":           {"mail"},
	"company":         {"company", "o"},
	"department":      {"department", "ou"},
	"job_title":       {"title"},
	"office_location": {"physicalDeliveryOfficeName"},
	"work":            {"telephoneNumber", "otherTelephone"},
	"mobile":          {"mobile"},
	"home":            {"homePhone"},
	"fax":             {"facsimileTelephoneNumber"},
	"other":           {"ipPhone"},
}

// Settings of an LDAP source (JSON names as in the API).
type Settings struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection with the StartTLS extended operation (RFC 4511 §4.14).
	StartTLS bool `json:"start_tls"`
	// InsecureSkipVerify accepts any server certificate (default false).
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
	// CAPEM is a PEM bundle of the CAs to trust in addition to the system's.
	CAPEM string `json:"ca_pem"`
	// AllowPlaintext permits sending the password over ldap:// without StartTLS to a host that is
	// not loopback (refused by default).
	AllowPlaintext bool `json:"allow_plaintext"`
	// BindDN and Password are the simple bind's credentials; both empty: anonymous.
	BindDN   string `json:"bind_dn"`
	Password string `json:"password"`
	// BaseDN is where the search starts.
	BaseDN string `json:"base_dn"`
	// Filter selects the entries (default DefaultFilter).
	Filter string `json:"filter"`
	// Scope is sub (default), one or base.
	Scope string `json:"scope"`
	// PageSize is the RFC 2696 page size (default 500; Active Directory serves at most its
	// MaxPageSize, 1000 by default).
	PageSize int `json:"page_size"`
	// Attributes overrides DefaultAttributes per contact field: a field name to an attribute or
	// a list of attributes; an empty list drops the field.
	Attributes map[string]json.RawMessage `json:"attributes"`
	// Flavor is openldap or ad; empty: detected from the rootDSE on every run.
	Flavor string `json:"flavor"`
	// OverlapSeconds is how far before the previous run's start an OpenLDAP delta looks
	// (modifyTimestamp has one-second resolution and the clocks may differ); default 60.
	OverlapSeconds *int `json:"overlap_seconds"`
	// TimeoutSeconds bounds each LDAP request (default 60).
	TimeoutSeconds int `json:"timeout_seconds"`
	// MaxEntries aborts a run reading more entries (default 1 000 000).
	MaxEntries int `json:"max_entries"`
}

// Mapping is one contact field and the LDAP attributes it is read from, in order.
type Mapping struct {
	// Field is the canonical contact field (dirsync.CanonicalField).
	Field string
	// Attrs are the attribute names as configured.
	Attrs []string
}

// attrRE is an RFC 4512 §1.4 attribute description's type: a descr (keystring) or a numericoid,
// with an optional ;option list (e.g. "telephoneNumber;x-home").
var attrRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]{0,127}|[0-9]+(\.[0-9]+)+)(;[A-Za-z0-9-]{1,64})*$`)

// ParseAttributes merges overrides into DefaultAttributes and validates them: known contact
// fields (dirsync.CanonicalField), attribute names as RFC 4512 defines them. The result is sorted
// by field, and at least one name field (display_name, first_name, last_name or company) remains.
func ParseAttributes(overrides map[string]json.RawMessage) ([]Mapping, error) {
	m := map[string][]string{}
	for f, a := range DefaultAttributes {
		m[f] = a
	}
	for f, raw := range overrides {
		cf := dirsync.CanonicalField(f)
		if cf == "" {
			return nil, dirsync.Invalid("attributes."+f, "unknown contact field")
		}
		var one string
		var list []string
		if err := json.Unmarshal(raw, &one); err == nil {
			if one != "" {
				list = []string{one}
			}
		} else if err := json.Unmarshal(raw, &list); err != nil {
			return nil, dirsync.Invalid("attributes."+f, "an attribute name or a list of attribute names")
		}
		for _, a := range list {
			if !attrRE.MatchString(a) {
				return nil, dirsync.Invalid("attributes."+f, fmt.Sprintf("%q is not an LDAP attribute name (RFC 4512: a letter, then letters, digits, '-'; or an OID)", a))
			}
		}
		delete(m, f)
		if len(list) > 0 {
			m[cf] = list
		} else {
			delete(m, cf)
		}
	}
	out := make([]Mapping, 0, len(m))
	named := false
	for f, a := range m {
		out = append(out, Mapping{Field: f, Attrs: a})
		if f == "display_name" || f == "first_name" || f == "last_name" || f == "company" {
			named = true
		}
	}
	if !named {
		return nil, dirsync.Invalid("attributes", "a name is required: map display_name, first_name, last_name or company")
	}
	slices.SortFunc(out, func(a, b Mapping) int { return strings.Compare(a.Field, b.Field) })
	return out, nil
}

// config is the validated form of Settings.
type config struct {
	set      Settings
	u        *url.URL
	host     string // host:port
	scope    int
	filter   string
	maps     []Mapping
	attrs    []string // the attributes a search asks for (mapped + ids + change markers)
	roots    *x509.CertPool
	timeout  time.Duration
	overlap  time.Duration
	pageSize uint32
}

func validate(raw json.RawMessage) (*config, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	c := &config{set: s}
	u, err := url.Parse(s.URL)
	if s.URL == "" || err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, dirsync.Invalid("url", "an ldap:// or ldaps:// URL with a host is required (e.g. ldaps://dc1.example.com)")
	}
	if u.User != nil {
		return nil, dirsync.Invalid("url", "must not contain a user name or password; use bind_dn and password")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, dirsync.Invalid("url", "only scheme, host and port (put the base DN in base_dn and the filter in filter)")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"ldap": "389", "ldaps": "636"}[u.Scheme]
	}
	c.u, c.host = u, net.JoinHostPort(u.Hostname(), port)
	if s.StartTLS && u.Scheme == "ldaps" {
		return nil, dirsync.Invalid("start_tls", "not with ldaps:// (already TLS)")
	}
	if s.CAPEM != "" {
		c.roots, err = x509.SystemCertPool()
		if err != nil || c.roots == nil {
			c.roots = x509.NewCertPool()
		}
		if !c.roots.AppendCertsFromPEM([]byte(s.CAPEM)) {
			return nil, dirsync.Invalid("ca_pem", caPEMProblem([]byte(s.CAPEM)))
		}
	}
	if (s.BindDN == "") != (s.Password == "") {
		if s.BindDN == "" {
			return nil, dirsync.Invalid("bind_dn", "required with a password")
		}
		return nil, dirsync.Invalid("password", "required with bind_dn (an empty password would be an unauthenticated bind, RFC 4513 §5.1.2)")
	}
	if s.BindDN != "" {
		// A DN; Active Directory also takes user@domain and DOMAIN\user as the bind name.
		if strings.Contains(s.BindDN, "=") {
			if _, err := ldap.ParseDN(s.BindDN); err != nil {
				return nil, dirsync.Invalid("bind_dn", "not a DN: "+err.Error())
			}
		} else if !strings.ContainsAny(s.BindDN, `@\`) || strings.ContainsFunc(s.BindDN, func(r rune) bool { return r < ' ' }) {
			return nil, dirsync.Invalid("bind_dn", "a DN (cn=pbx,ou=services,dc=example,dc=com), or on Active Directory user@domain or DOMAIN\\user")
		}
	}
	if s.Password != "" && u.Scheme == "ldap" && !s.StartTLS && !s.AllowPlaintext && !loopback(u.Hostname()) {
		return nil, dirsync.Invalid("url", "the password would cross the network in clear: use ldaps://, start_tls, or set allow_plaintext")
	}
	if s.BaseDN == "" {
		return nil, dirsync.Invalid("base_dn", "required (e.g. ou=people,dc=example,dc=com)")
	}
	if _, err := ldap.ParseDN(s.BaseDN); err != nil {
		return nil, dirsync.Invalid("base_dn", "not a DN: "+err.Error())
	}
	c.filter = strings.TrimSpace(s.Filter)
	if c.filter == "" {
		c.filter = DefaultFilter
	}
	if !strings.HasPrefix(c.filter, "(") {
		c.filter = "(" + c.filter + ")"
	}
	if _, err := ldap.CompileFilter(c.filter); err != nil {
		return nil, dirsync.Invalid("filter", "not an LDAP filter (RFC 4515): "+err.Error())
	}
	switch s.Scope {
	case "", "sub", "subtree":
		c.scope = ldap.ScopeWholeSubtree
	case "one", "onelevel":
		c.scope = ldap.ScopeSingleLevel
	case "base":
		c.scope = ldap.ScopeBaseObject
	default:
		return nil, dirsync.Invalid("scope", "one of sub, one, base")
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.PageSize < 1 || s.PageSize > MaxPageSize {
		return nil, dirsync.Invalid("page_size", fmt.Sprintf("between 1 and %d", MaxPageSize))
	}
	c.pageSize = uint32(s.PageSize)
	switch s.Flavor {
	case "", FlavorOpenLDAP, FlavorAD:
	default:
		return nil, dirsync.Invalid("flavor", "openldap, ad, or empty to detect it from the rootDSE")
	}
	ov := DefaultOverlapSeconds
	if s.OverlapSeconds != nil {
		ov = *s.OverlapSeconds
	}
	if ov < 0 || ov > 86400 {
		return nil, dirsync.Invalid("overlap_seconds", "between 0 and 86400")
	}
	c.overlap = time.Duration(ov) * time.Second
	if s.TimeoutSeconds == 0 {
		s.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 3600 {
		return nil, dirsync.Invalid("timeout_seconds", "between 1 and 3600")
	}
	c.timeout = time.Duration(s.TimeoutSeconds) * time.Second
	if s.MaxEntries == 0 {
		s.MaxEntries = DefaultMaxEntries
	}
	if s.MaxEntries < 1 {
		return nil, dirsync.Invalid("max_entries", "must be positive")
	}
	if c.maps, err = ParseAttributes(s.Attributes); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range c.maps {
		for _, a := range m.Attrs {
			if !seen[strings.ToLower(a)] {
				seen[strings.ToLower(a)] = true
				c.attrs = append(c.attrs, a)
			}
		}
	}
	c.attrs = append(c.attrs, attrEntryUUID, attrObjectGUID)
	c.set = s
	return c, nil
}

// loopback reports whether host is a loopback address or "localhost".
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// caPEMProblem says why no certificate of a CA bundle could be used: the first certificate's
// parse error (e.g. Samba's self-generated CA with a negative serial number, which Go refuses),
// or that there is no PEM certificate at all.
func caPEMProblem(b []byte) string {
	for n := 1; ; n++ {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return "no PEM certificate found"
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Sprintf("certificate %d: %v%s", n, err, negativeSerialHint(err))
		}
	}
}

// negativeSerialHint explains Go's refusal of a certificate with a negative serial number.
func negativeSerialHint(err error) string {
	if err == nil || !strings.Contains(err.Error(), "negative serial number") {
		return ""
	}
	return " (RFC 5280 §4.1.2.2 wants a positive serial, and Go refuses others; Samba's self-generated certificate has a negative one when it was made in the second half of a 256-second span: give the server a certificate from a CA)"
}
