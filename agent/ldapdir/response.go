package ldapdir

import (
	"github.com/pbxagent/pbxagent/phonebook"
)

// Result codes (RFC 4511 §4.1.9, Appendix A).
const (
	rcSuccess                = 0
	rcOperationsError        = 1
	rcProtocolError          = 2
	rcSizeLimitExceeded      = 4
	rcAuthMethodNotSupported = 7
	rcUnavailableCritical    = 12
	rcAdminLimitExceeded     = 11
	rcNoSuchObject           = 32
	rcInvalidCredentials     = 49
	rcInsufficientAccess     = 50
	rcBusy                   = 51
	rcUnavailable            = 52
	rcUnwillingToPerform     = 53
)

// oidNoticeOfDisconnection names the unsolicited notice sent before the
// server closes a connection on a bad message (RFC 4511 §4.4.1).
const oidNoticeOfDisconnection = "1.3.6.1.4.1.1466.20036"

// appendResult appends an LDAPMessage holding an LDAPResult of operation
// app, with the controls already encoded in ctrls (nil for none).
func appendResult(b []byte, id int64, app int, code int, matched, diag string, ctrls []byte) []byte {
	e := encoder{b: b}
	e.open(tagSequence)
	e.int(tagInteger, id)
	e.open(classApplication | constructed | byte(app))
	e.int(tagEnumerated, int64(code))
	e.str(tagOctetString, matched)
	e.str(tagOctetString, diag)
	if app == appExtendedResp && id == 0 {
		e.str(classContext|10, oidNoticeOfDisconnection)
	}
	e.close()
	if ctrls != nil {
		e.b = append(e.b, ctrls...)
	}
	e.close()
	return e.b
}

// pagedControl encodes the controls element of a paged search's done
// message: the paged results control with the next cookie (RFC 2696 §3).
func pagedControl(cookie []byte) []byte {
	e := encoder{}
	e.open(classContext | constructed) // [0] Controls (tag number 0)
	e.open(tagSequence)
	e.str(tagOctetString, oidPaged)
	e.open(tagOctetString)
	e.open(tagSequence)
	e.int(tagInteger, 0) // size: no estimate
	e.bytes(tagOctetString, cookie)
	e.close()
	e.close()
	e.close()
	e.close()
	return e.b
}

// selection is the attributes a search asked for.
type selection struct {
	all   bool
	names map[string]string // canonical → the spelling asked for
	order []string
}

// selectAttrs reads a search's attribute list: none (or "*") is every
// user attribute, "1.1" none, "+" the operational ones (none served).
func selectAttrs(list []string) selection {
	s := selection{}
	if len(list) == 0 {
		s.all = true
		return s
	}
	for _, a := range list {
		switch a {
		case "*":
			s.all = true
			continue
		case "1.1", "+":
			continue
		}
		if c := canonical(a); c != "" {
			if s.names == nil {
				s.names = map[string]string{}
			}
			if _, dup := s.names[c]; !dup {
				s.names[c] = a
				s.order = append(s.order, c)
			}
		}
	}
	return s
}

// appendEntry appends a SearchResultEntry for contact c under base.
func appendEntry(b []byte, id int64, base string, c *phonebook.Contact, sel selection, typesOnly bool) []byte {
	e := encoder{b: b}
	e.open(tagSequence)
	e.int(tagInteger, id)
	e.open(classApplication | constructed | appSearchEntry)
	e.str(tagOctetString, "uid="+escapeDNValue(c.ID)+","+base)
	e.open(tagSequence)
	emit := func(a, name string) {
		vals := values(c, a)
		if len(vals) == 0 {
			return
		}
		e.open(tagSequence)
		e.str(tagOctetString, name)
		e.open(tagSet)
		if !typesOnly {
			for _, v := range vals {
				e.str(tagOctetString, v)
			}
		}
		e.close()
		e.close()
	}
	if sel.all {
		for _, a := range entryAttrs {
			name := a
			if n, ok := sel.names[a]; ok {
				name = n
			}
			emit(a, name)
		}
	} else {
		for _, a := range sel.order {
			emit(a, sel.names[a])
		}
	}
	e.close()
	e.close()
	e.close()
	return e.b
}

// appendAttrEntry appends a SearchResultEntry with fixed attributes (the
// root DSE, the base entry).
func appendAttrEntry(b []byte, id int64, dn string, attrs [][2][]string, typesOnly bool) []byte {
	e := encoder{b: b}
	e.open(tagSequence)
	e.int(tagInteger, id)
	e.open(classApplication | constructed | appSearchEntry)
	e.str(tagOctetString, dn)
	e.open(tagSequence)
	for _, a := range attrs {
		e.open(tagSequence)
		e.str(tagOctetString, a[0][0])
		e.open(tagSet)
		if !typesOnly {
			for _, v := range a[1] {
				e.str(tagOctetString, v)
			}
		}
		e.close()
		e.close()
	}
	e.close()
	e.close()
	e.close()
	return e.b
}

// escapeDNValue escapes an RDN value (RFC 4514 §2.4); contact ids are
// ULIDs, which need none, but ids from elsewhere might.
func escapeDNValue(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '+', '"', '\\', '<', '>', ';', '=', 0:
			need = true
		}
	}
	if !need && (s == "" || (s[0] != ' ' && s[0] != '#' && s[len(s)-1] != ' ')) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			out = append(out, '\\', '0', '0')
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=',
			(c == ' ' || c == '#') && i == 0, c == ' ' && i == len(s)-1:
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
