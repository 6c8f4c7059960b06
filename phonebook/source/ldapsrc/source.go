package ldapsrc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Attributes the source reads besides the mapped ones.
const (
	attrEntryUUID  = "entryUUID"  // RFC 4530, operational: asked for by name
	attrObjectGUID = "objectGUID" // Active Directory, 16 raw bytes
)

// Active Directory's rootDSE capability OIDs
// (https://learn.microsoft.com/openspecs/windows_protocols/ms-adts/3ed61e6c-cfdc-487d-9f02-5a3397be3772).
const (
	capActiveDirectory    = "1.2.840.113556.1.4.800"  // LDAP_CAP_ACTIVE_DIRECTORY_OID
	capActiveDirectoryLDS = "1.2.840.113556.1.4.1851" // LDAP_CAP_ACTIVE_DIRECTORY_ADAM_OID
)

// Source is a configured LDAP directory.
type Source struct {
	cfg   *config
	clock dirsync.Clock
	log   *slog.Logger
}

// New validates settings and returns the source (dirsync.Type.New). It does not connect.
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	c, err := validate(raw)
	if err != nil {
		return nil, err
	}
	clk := env.Clock
	if clk == nil {
		clk = dirsync.RealClock{}
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: c, clock: clk, log: log}, nil
}

// Target names the directory server (dirsync.Targeter).
func (s *Source) Target() (field, host string) { return "url", s.cfg.host }

// syncState is the delta state kept between runs.
type syncState struct {
	Flavor string `json:"flavor"`
	// Since is the generalizedTime an OpenLDAP delta starts from (the previous run's start
	// less the overlap).
	Since string `json:"since,omitempty"`
	// USN is Active Directory's highestCommittedUSN read before the previous run; DC and
	// InvocationID name the domain controller it belongs to (USNs are per DC).
	USN          int64  `json:"usn,omitempty"`
	DC           string `json:"dc,omitempty"`
	InvocationID string `json:"invocation_id,omitempty"`
}

// rootDSE is what the source reads from the server's root DSE (RFC 4512 §5.1).
type rootDSE struct {
	flavor       string
	usn          int64
	dc           string
	invocationID string
}

// conn is one connection's session.
type conn struct {
	l    *ldap.Conn
	stop func() bool // stops the context watch
}

func (c *conn) close() {
	c.stop()
	c.l.Close()
}

// connect dials, upgrades to TLS when asked, and binds. The connection is closed when ctx ends,
// which aborts a request in flight.
func (s *Source) connect(ctx context.Context) (*conn, error) {
	cfg := s.cfg
	tc := &tls.Config{ServerName: cfg.u.Hostname(), RootCAs: cfg.roots,
		InsecureSkipVerify: cfg.set.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	l, err := dial(ctx, cfg, tc)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ldap: connect %s: %w", cfg.host, ctx.Err())
		}
		return nil, fmt.Errorf("ldap: connect %s: %w", cfg.host, err)
	}
	c := &conn{l: l, stop: context.AfterFunc(ctx, func() { l.Close() })}
	l.SetTimeout(cfg.timeout)
	if cfg.set.BindDN != "" {
		if err := l.Bind(cfg.set.BindDN, cfg.set.Password); err != nil {
			c.close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var le *ldap.Error
			if errors.As(err, &le) {
				switch le.ResultCode {
				case ldap.LDAPResultInvalidCredentials:
					return nil, dirsync.Refused("password", fmt.Sprintf("the server refused the bind of %q (invalidCredentials, 49)%s", cfg.set.BindDN, diag(le)))
				case ldap.LDAPResultInvalidDNSyntax, ldap.LDAPResultNoSuchObject:
					return nil, dirsync.Refused("bind_dn", fmt.Sprintf("the server does not know %q (%s)%s", cfg.set.BindDN, ldap.LDAPResultCodeMap[le.ResultCode], diag(le)))
				case ldap.LDAPResultInappropriateAuthentication, ldap.LDAPResultConfidentialityRequired, ldap.LDAPResultStrongAuthRequired:
					return nil, dirsync.Refused("password", fmt.Sprintf("the server refused the simple bind (%s)%s; try ldaps:// or start_tls", ldap.LDAPResultCodeMap[le.ResultCode], diag(le)))
				}
			}
			return nil, fmt.Errorf("ldap: bind as %q: %w", cfg.set.BindDN, err)
		}
	}
	return c, nil
}

// diag is the server's diagnostic message of an LDAP error, after ": ", or "".
func diag(le *ldap.Error) string {
	if le.Err == nil || strings.TrimSpace(le.Err.Error()) == "" {
		return ""
	}
	return ": " + le.Err.Error()
}

// readRootDSE reads the flavor markers and, on Active Directory, the USN and the DC's identity.
func (s *Source) readRootDSE(c *conn) (rootDSE, error) {
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, int(s.cfg.timeout.Seconds()), false,
		"(objectClass=*)", []string{"supportedCapabilities", "isGlobalCatalogReady", "highestCommittedUSN", "dsServiceName"}, nil)
	res, err := c.l.Search(req)
	if err != nil {
		return rootDSE{}, fmt.Errorf("ldap: read the rootDSE: %w", err)
	}
	var r rootDSE
	if len(res.Entries) == 0 {
		r.flavor = FlavorOpenLDAP
	} else {
		r.flavor = DetectFlavor(res.Entries[0])
		e := res.Entries[0]
		if v := e.GetAttributeValue("highestCommittedUSN"); v != "" {
			if r.usn, err = strconv.ParseInt(v, 10, 64); err != nil || r.usn < 0 {
				return rootDSE{}, fmt.Errorf("ldap: rootDSE: highestCommittedUSN %q is not a USN", v)
			}
		}
		r.dc = e.GetAttributeValue("dsServiceName")
	}
	if s.cfg.set.Flavor != "" {
		r.flavor = s.cfg.set.Flavor
	}
	if r.flavor == FlavorAD && r.dc != "" {
		// The DC's invocationId changes when it is restored from a backup: its USNs then
		// repeat, and a delta must not trust them (Microsoft's uSNChanged polling page).
		req := ldap.NewSearchRequest(r.dc, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, int(s.cfg.timeout.Seconds()), false,
			"(objectClass=*)", []string{"invocationId"}, nil)
		if res, err := c.l.Search(req); err == nil && len(res.Entries) > 0 {
			if raw := res.Entries[0].GetRawAttributeValue("invocationId"); len(raw) == 16 {
				r.invocationID, _ = FormatGUID(raw)
			}
		}
	}
	return r, nil
}

// DetectFlavor tells Active Directory from other servers by its rootDSE: isGlobalCatalogReady
// (present on AD domain controllers only) or the AD or AD LDS capability OID in
// supportedCapabilities.
func DetectFlavor(rootDSE *ldap.Entry) string {
	if rootDSE.GetAttributeValue("isGlobalCatalogReady") != "" {
		return FlavorAD
	}
	for _, c := range rootDSE.GetAttributeValues("supportedCapabilities") {
		if c == capActiveDirectory || c == capActiveDirectoryLDS {
			return FlavorAD
		}
	}
	return FlavorOpenLDAP
}

// deltaFilter is the filter of a delta run: the configured filter and-ed with the change marker
// of the flavor, modifyTimestamp >= since (OpenLDAP) or uSNChanged >= usn+1 (AD).
func deltaFilter(filter string, prev syncState) string {
	if prev.Flavor == FlavorAD {
		return "(&" + filter + "(uSNChanged>=" + strconv.FormatInt(prev.USN+1, 10) + "))"
	}
	return "(&" + filter + "(modifyTimestamp>=" + ldap.EscapeFilter(prev.Since) + "))"
}

// Sync implements dirsync.Source: a full read, or the entries changed since req.State.
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	start := s.clock.Now()
	c, err := s.connect(ctx)
	if err != nil {
		return dirsync.Result{}, err
	}
	defer c.close()
	dse, err := s.readRootDSE(c)
	if err != nil {
		return dirsync.Result{}, s.ctxErr(ctx, err)
	}
	next := syncState{Flavor: dse.flavor}
	switch dse.flavor {
	case FlavorAD:
		if dse.usn == 0 {
			return dirsync.Result{}, errors.New("ldap: the rootDSE has no highestCommittedUSN (is this Active Directory? set flavor to openldap otherwise)")
		}
		next.USN, next.DC, next.InvocationID = dse.usn, dse.dc, dse.invocationID
	default:
		next.Since = FormatGeneralizedTime(start.Add(-s.cfg.overlap))
	}
	filter := s.cfg.filter
	mode := "full"
	if !req.Full {
		prev, err := s.prevState(req.State, next)
		if err != nil {
			return dirsync.Result{}, err
		}
		filter, mode = deltaFilter(filter, prev), "delta"
	}
	n := 0
	err = s.search(ctx, c, filter, s.cfg.pageSize, func(e *ldap.Entry) error {
		n++
		if n > s.cfg.set.MaxEntries {
			return fmt.Errorf("ldap: more than max_entries (%d) entries", s.cfg.set.MaxEntries)
		}
		ct, err := s.contact(e, dse.flavor)
		if err != nil {
			return err
		}
		return sink.Upsert(ctx, ct)
	})
	if err != nil {
		return dirsync.Result{}, s.ctxErr(ctx, err)
	}
	s.log.Debug("ldap: read", "mode", mode, "flavor", dse.flavor, "filter", filter, "entries", n)
	st, _ := json.Marshal(next)
	return dirsync.Result{State: st}, nil
}

// prevState parses the stored state and checks a delta can continue from it; dirsync.ErrResync
// otherwise (a full run follows).
func (s *Source) prevState(raw []byte, now syncState) (syncState, error) {
	var prev syncState
	if err := json.Unmarshal(raw, &prev); err != nil {
		return prev, fmt.Errorf("ldap: stored state unreadable (%v): %w", err, dirsync.ErrResync)
	}
	if prev.Flavor != now.Flavor {
		return prev, fmt.Errorf("ldap: the directory's flavor changed from %q to %q: %w", prev.Flavor, now.Flavor, dirsync.ErrResync)
	}
	if prev.Flavor == FlavorAD {
		if prev.USN <= 0 || prev.DC != now.DC || prev.InvocationID != now.InvocationID {
			return prev, fmt.Errorf("ldap: another domain controller (or a restored one) answers: USNs are per DC: %w", dirsync.ErrResync)
		}
		return prev, nil
	}
	if _, err := ParseGeneralizedTime(prev.Since); err != nil {
		return prev, fmt.Errorf("ldap: stored state: %v: %w", err, dirsync.ErrResync)
	}
	return prev, nil
}

// ctxErr prefers the context's error to the closed connection's.
func (s *Source) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ldap: %w", ctx.Err())
	}
	return err
}

// search runs a paged search (RFC 2696) under base_dn and calls fn per entry, page by page.
func (s *Source) search(ctx context.Context, c *conn, filter string, pageSize uint32, fn func(*ldap.Entry) error) error {
	cfg := s.cfg
	attrs := cfg.attrs
	paging := ldap.NewControlPaging(pageSize)
	for page := 1; ; page++ {
		req := ldap.NewSearchRequest(cfg.set.BaseDN, cfg.scope, ldap.NeverDerefAliases, 0, int(cfg.timeout.Seconds()), false,
			filter, attrs, []ldap.Control{paging})
		res, err := c.l.Search(req)
		if err != nil {
			var le *ldap.Error
			if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject {
				return fmt.Errorf("ldap: base_dn %q does not exist on the server (noSuchObject, 32)%s", cfg.set.BaseDN, diag(le))
			}
			return fmt.Errorf("ldap: search %q (page %d): %w", cfg.set.BaseDN, page, err)
		}
		for _, e := range res.Entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ctrl, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if !ok || len(ctrl.Cookie) == 0 {
			return nil // the last page (or a server without paging that sent everything)
		}
		paging.SetCookie(ctrl.Cookie)
	}
}

// MaxIDLen bounds an external id (a DN used as the id may be long).
const MaxIDLen = 1024

// contact maps one entry. Its id is objectGUID on Active Directory and entryUUID elsewhere,
// either one when the other is absent, else the DN.
func (s *Source) contact(e *ldap.Entry, flavor string) (*phonebook.Contact, error) {
	c := &phonebook.Contact{}
	uuid := strings.ToLower(e.GetEqualFoldAttributeValue(attrEntryUUID))
	guid := e.GetEqualFoldRawAttributeValue(attrObjectGUID)
	switch {
	case len(guid) > 0 && (flavor == FlavorAD || uuid == ""):
		id, err := FormatGUID(guid)
		if err != nil {
			return nil, fmt.Errorf("ldap: entry %q: objectGUID: %w", e.DN, err)
		}
		c.ExternalID = id
	case uuid != "":
		c.ExternalID = uuid
	default:
		c.ExternalID = e.DN
	}
	if c.ExternalID == "" || len(c.ExternalID) > MaxIDLen || strings.ContainsRune(c.ExternalID, 0) {
		return nil, fmt.Errorf("ldap: entry %q: no usable id (entryUUID, objectGUID, or a DN of at most %d bytes)", e.DN, MaxIDLen)
	}
	for _, m := range s.cfg.maps {
		multi := m.Field == "email" || m.Field == "work" || m.Field == "mobile" || m.Field == "home" || m.Field == "fax" || m.Field == "other"
		for _, a := range m.Attrs {
			vals := e.GetEqualFoldAttributeValues(a)
			if multi {
				for _, v := range vals {
					dirsync.SetField(c, m.Field, v)
				}
				continue
			}
			if v := firstNonEmpty(vals); v != "" {
				dirsync.SetField(c, m.Field, v)
				break
			}
		}
	}
	dirsync.Finish(c)
	return c, nil
}

func firstNonEmpty(vals []string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// Test returns the first n mapped entries without importing anything (dirsync.Tester).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	c, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	dse, err := s.readRootDSE(c)
	if err != nil {
		return nil, s.ctxErr(ctx, err)
	}
	col := &dirsync.Collector{N: n}
	ps := s.cfg.pageSize
	if n > 0 && uint32(n) < ps {
		ps = uint32(n)
	}
	err = s.search(ctx, c, s.cfg.filter, ps, func(e *ldap.Entry) error {
		ct, err := s.contact(e, dse.flavor)
		if err != nil {
			return err
		}
		return col.Upsert(ctx, ct)
	})
	if err != nil && !errors.Is(err, dirsync.ErrEnough) {
		return nil, s.ctxErr(ctx, err)
	}
	return col.Contacts, nil
}

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)

// DeltaFilterForState is the delta filter for a stored state (for tests and the docs' examples);
// an unreadable state gives the filter unchanged.
func DeltaFilterForState(filter string, state []byte) string {
	var st syncState
	if json.Unmarshal(state, &st) != nil {
		return filter
	}
	return deltaFilter(filter, st)
}
