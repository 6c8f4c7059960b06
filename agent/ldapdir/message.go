package ldapdir

import (
	"errors"
	"fmt"
)

// Protocol operations (RFC 4511 §4.2–4.14): the application tags.
const (
	appBindRequest     = 0
	appBindResponse    = 1
	appUnbindRequest   = 2
	appSearchRequest   = 3
	appSearchEntry     = 4
	appSearchDone      = 5
	appModifyRequest   = 6
	appModifyResponse  = 7
	appAddRequest      = 8
	appAddResponse     = 9
	appDelRequest      = 10
	appDelResponse     = 11
	appModDNRequest    = 12
	appModDNResponse   = 13
	appCompareRequest  = 14
	appCompareResponse = 15
	appAbandonRequest  = 16
	appExtendedRequest = 23
	appExtendedResp    = 24
)

// Search scopes (RFC 4511 §4.5.1.2).
const (
	scopeBase     = 0
	scopeOneLevel = 1
	scopeSubtree  = 2
)

// oidPaged is the simple paged results control (RFC 2696).
const oidPaged = "1.2.840.113556.1.4.319"

// Message is one decoded LDAPMessage.
type Message struct {
	// ID is the messageID (1 … 2³¹−1; 0 only in unsolicited notices).
	ID int64
	// Op is the protocol operation's application tag.
	Op int
	// Bind, Search and Extended hold the requests served; other
	// operations are answered from Op alone.
	Bind     *BindRequest
	Search   *SearchRequest
	Extended *ExtendedRequest
	// Controls are the request's controls.
	Controls []Control
}

// BindRequest is a bind (RFC 4511 §4.2).
type BindRequest struct {
	Version int64
	Name    string
	// Simple is the password of simple authentication; SASL says the
	// client asked for SASL instead.
	Simple string
	SASL   bool
}

// SearchRequest is a search (RFC 4511 §4.5.1).
type SearchRequest struct {
	BaseDN     string
	Scope      int64
	SizeLimit  int64
	TimeLimit  int64
	TypesOnly  bool
	Filter     *Filter
	Attributes []string
}

// ExtendedRequest is an extended operation (RFC 4511 §4.12).
type ExtendedRequest struct {
	Name string
}

// Control is a request control (RFC 4511 §4.1.11).
type Control struct {
	Type     string
	Critical bool
	Value    []byte
	HasValue bool
}

// maxAttributes bounds the attribute list of a search.
const maxAttributes = 64

// errProtocol is a message that is well-formed BER but not a valid LDAP
// request.
var errProtocol = errors.New("protocol error")

// DecodeMessage decodes the contents of one LDAPMessage SEQUENCE.
func DecodeMessage(b []byte) (*Message, error) {
	id, b, err := expectInt(b, tagInteger, "messageID")
	if err != nil {
		return nil, err
	}
	if id < 0 || id > 1<<31-1 {
		return nil, fmt.Errorf("%w: messageID %d out of range", errProtocol, id)
	}
	m := &Message{ID: id}
	tag, body, rest, err := readTLV(b)
	if err != nil {
		return nil, fmt.Errorf("protocolOp: %w", err)
	}
	if tag&0xc0 != classApplication {
		return nil, fmt.Errorf("%w: protocolOp identifier %#x is not an application tag", errProtocol, tag)
	}
	m.Op = int(tag & 0x1f)
	isCons := tag&constructed != 0
	switch m.Op {
	case appBindRequest:
		if !isCons {
			return nil, fmt.Errorf("%w: primitive bind request", errProtocol)
		}
		if m.Bind, err = decodeBind(body); err != nil {
			return nil, err
		}
	case appSearchRequest:
		if !isCons {
			return nil, fmt.Errorf("%w: primitive search request", errProtocol)
		}
		if m.Search, err = decodeSearch(body); err != nil {
			return nil, err
		}
	case appExtendedRequest:
		if !isCons {
			return nil, fmt.Errorf("%w: primitive extended request", errProtocol)
		}
		name, _, err := expect(body, classContext, "requestName") // [0] requestName
		if err != nil {
			return nil, err
		}
		m.Extended = &ExtendedRequest{Name: string(name)}
	case appUnbindRequest, appAbandonRequest, appDelRequest:
		// Primitive; their contents are not needed.
	}
	if len(rest) > 0 {
		ctl, more, err := expect(rest, classContext|constructed, "controls") // [0] Controls
		if err != nil {
			return nil, err
		}
		if len(more) != 0 {
			return nil, fmt.Errorf("%w: bytes after the controls", errProtocol)
		}
		if m.Controls, err = decodeControls(ctl); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func decodeBind(b []byte) (*BindRequest, error) {
	v, b, err := expectInt(b, tagInteger, "bind version")
	if err != nil {
		return nil, err
	}
	name, b, err := expect(b, tagOctetString, "bind name")
	if err != nil {
		return nil, err
	}
	tag, cred, _, err := readTLV(b)
	if err != nil {
		return nil, fmt.Errorf("bind authentication: %w", err)
	}
	r := &BindRequest{Version: v, Name: string(name)}
	switch tag {
	case classContext: // [0] simple
		r.Simple = string(cred)
	case classContext | constructed | 3:
		r.SASL = true
	default:
		return nil, fmt.Errorf("%w: bind authentication choice %#x", errProtocol, tag)
	}
	return r, nil
}

func decodeSearch(b []byte) (*SearchRequest, error) {
	base, b, err := expect(b, tagOctetString, "baseObject")
	if err != nil {
		return nil, err
	}
	r := &SearchRequest{BaseDN: string(base)}
	if r.Scope, b, err = expectInt(b, tagEnumerated, "scope"); err != nil {
		return nil, err
	}
	if r.Scope < scopeBase || r.Scope > scopeSubtree {
		return nil, fmt.Errorf("%w: scope %d", errProtocol, r.Scope)
	}
	if _, b, err = expectInt(b, tagEnumerated, "derefAliases"); err != nil {
		return nil, err
	}
	if r.SizeLimit, b, err = expectInt(b, tagInteger, "sizeLimit"); err != nil {
		return nil, err
	}
	if r.TimeLimit, b, err = expectInt(b, tagInteger, "timeLimit"); err != nil {
		return nil, err
	}
	if r.SizeLimit < 0 || r.TimeLimit < 0 {
		return nil, fmt.Errorf("%w: negative size or time limit", errProtocol)
	}
	tv, b, err := expect(b, tagBoolean, "typesOnly")
	if err != nil {
		return nil, err
	}
	if len(tv) != 1 {
		return nil, fmt.Errorf("%w: typesOnly of %d bytes", errProtocol, len(tv))
	}
	r.TypesOnly = tv[0] != 0
	_, _, rest, err := readTLV(b)
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	if r.Filter, err = DecodeFilter(b[:len(b)-len(rest)]); err != nil {
		return nil, err
	}
	attrs, _, err := expect(rest, tagSequence, "attributes")
	if err != nil {
		return nil, err
	}
	for len(attrs) > 0 {
		var a []byte
		if a, attrs, err = expect(attrs, tagOctetString, "attribute"); err != nil {
			return nil, err
		}
		if len(r.Attributes) == maxAttributes {
			return nil, fmt.Errorf("%w: more than %d attributes", errProtocol, maxAttributes)
		}
		r.Attributes = append(r.Attributes, string(a))
	}
	return r, nil
}

func decodeControls(b []byte) ([]Control, error) {
	var out []Control
	for len(b) > 0 {
		body, rest, err := expect(b, tagSequence, "control")
		if err != nil {
			return nil, err
		}
		b = rest
		typ, body, err := expect(body, tagOctetString, "controlType")
		if err != nil {
			return nil, err
		}
		c := Control{Type: string(typ)}
		if len(body) > 0 && body[0] == tagBoolean {
			var v []byte
			if v, body, err = expect(body, tagBoolean, "criticality"); err != nil {
				return nil, err
			}
			c.Critical = len(v) == 1 && v[0] != 0
		}
		if len(body) > 0 {
			if c.Value, _, err = expect(body, tagOctetString, "controlValue"); err != nil {
				return nil, err
			}
			c.HasValue = true
		}
		if len(out) == 16 {
			return nil, fmt.Errorf("%w: more than 16 controls", errProtocol)
		}
		out = append(out, c)
	}
	return out, nil
}

// pagedRequest is a paged results control's value: the page size and the
// cookie of the previous page ("" on the first).
type pagedRequest struct {
	size   int64
	cookie []byte
}

// decodePaged reads the value of a paged results control (RFC 2696 §2).
func decodePaged(v []byte) (pagedRequest, error) {
	body, _, err := expect(v, tagSequence, "paged results")
	if err != nil {
		return pagedRequest{}, err
	}
	size, body, err := expectInt(body, tagInteger, "paged results size")
	if err != nil {
		return pagedRequest{}, err
	}
	cookie, _, err := expect(body, tagOctetString, "paged results cookie")
	if err != nil {
		return pagedRequest{}, err
	}
	if size < 0 {
		return pagedRequest{}, fmt.Errorf("%w: negative page size", errProtocol)
	}
	return pagedRequest{size: size, cookie: cookie}, nil
}
