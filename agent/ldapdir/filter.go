package ldapdir

import (
	"errors"
	"fmt"
	"strings"
)

// FilterOp is the kind of a search filter (RFC 4511 §4.5.1.7).
type FilterOp uint8

// Filter kinds, numbered as their context tags.
const (
	OpAnd FilterOp = iota
	OpOr
	OpNot
	OpEquality
	OpSubstrings
	OpGreaterOrEqual
	OpLessOrEqual
	OpPresent
	OpApprox
	OpExtensible
)

// Filter is a decoded search filter.
type Filter struct {
	Op FilterOp
	// Children of and/or; the one child of not.
	Children []*Filter
	// Attr is the attribute description of the other kinds (as sent).
	Attr string
	// Value is the assertion value of equality, ordering and approx.
	Value string
	// Initial, Any and Final are the parts of a substrings filter.
	Initial string
	Any     []string
	Final   string
}

// Filter bounds: how deep and/or/not may nest, and how many elements one
// filter may hold. Phones send two or three levels and a handful of
// elements.
const (
	maxFilterDepth    = 16
	maxFilterElements = 256
)

// errFilter is a filter that does not decode.
var errFilter = errors.New("bad filter")

// DecodeFilter reads one BER-encoded filter from b, which must hold
// nothing else.
func DecodeFilter(b []byte) (*Filter, error) {
	n := 0
	f, rest, err := decodeFilter(b, 0, &n)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the filter", errFilter, len(rest))
	}
	return f, nil
}

func decodeFilter(b []byte, depth int, count *int) (*Filter, []byte, error) {
	if depth > maxFilterDepth {
		return nil, nil, fmt.Errorf("%w: nested deeper than %d", errFilter, maxFilterDepth)
	}
	if *count++; *count > maxFilterElements {
		return nil, nil, fmt.Errorf("%w: more than %d elements", errFilter, maxFilterElements)
	}
	tag, body, rest, err := readTLV(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
	}
	if tag&0xc0 != classContext {
		return nil, nil, fmt.Errorf("%w: identifier %#x is not a filter choice", errFilter, tag)
	}
	op := FilterOp(tag & 0x1f)
	isCons := tag&constructed != 0
	f := &Filter{Op: op}
	switch op {
	case OpAnd, OpOr:
		if !isCons {
			return nil, nil, fmt.Errorf("%w: primitive and/or", errFilter)
		}
		for len(body) > 0 {
			var c *Filter
			c, body, err = decodeFilter(body, depth+1, count)
			if err != nil {
				return nil, nil, err
			}
			f.Children = append(f.Children, c)
		}
		// RFC 4526 absolute true (&) and false (|) are empty sets.
	case OpNot:
		if !isCons {
			return nil, nil, fmt.Errorf("%w: primitive not", errFilter)
		}
		c, more, err := decodeFilter(body, depth+1, count)
		if err != nil {
			return nil, nil, err
		}
		if len(more) != 0 {
			return nil, nil, fmt.Errorf("%w: not with more than one filter", errFilter)
		}
		f.Children = []*Filter{c}
	case OpEquality, OpGreaterOrEqual, OpLessOrEqual, OpApprox:
		if !isCons {
			return nil, nil, fmt.Errorf("%w: primitive attribute value assertion", errFilter)
		}
		attr, more, err := expect(body, tagOctetString, "assertion attribute")
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
		}
		val, more, err := expect(more, tagOctetString, "assertion value")
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
		}
		if len(more) != 0 {
			return nil, nil, fmt.Errorf("%w: extra bytes in an assertion", errFilter)
		}
		f.Attr, f.Value = string(attr), string(val)
	case OpSubstrings:
		if !isCons {
			return nil, nil, fmt.Errorf("%w: primitive substrings", errFilter)
		}
		attr, more, err := expect(body, tagOctetString, "substrings attribute")
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
		}
		parts, more, err := expect(more, tagSequence, "substrings")
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
		}
		if len(more) != 0 {
			return nil, nil, fmt.Errorf("%w: extra bytes in substrings", errFilter)
		}
		f.Attr = string(attr)
		n := 0
		for len(parts) > 0 {
			ptag, pv, prest, err := readTLV(parts)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %w", errFilter, err)
			}
			parts = prest
			switch {
			case ptag == classContext && n == 0: // [0] initial
				f.Initial = string(pv)
			case ptag == classContext|1:
				if *count++; *count > maxFilterElements {
					return nil, nil, fmt.Errorf("%w: more than %d elements", errFilter, maxFilterElements)
				}
				f.Any = append(f.Any, string(pv))
			case ptag == classContext|2 && len(parts) == 0:
				f.Final = string(pv)
			default:
				return nil, nil, fmt.Errorf("%w: substring part %#x out of place", errFilter, ptag)
			}
			n++
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("%w: substrings without parts", errFilter)
		}
	case OpPresent:
		if isCons {
			return nil, nil, fmt.Errorf("%w: constructed present", errFilter)
		}
		f.Attr = string(body)
	case OpExtensible:
		if !isCons {
			return nil, nil, fmt.Errorf("%w: primitive extensible match", errFilter)
		}
		// Kept undecoded: it evaluates to Undefined (match.go).
	default:
		return nil, nil, fmt.Errorf("%w: unknown filter choice %d", errFilter, op)
	}
	if op != OpAnd && op != OpOr && op != OpNot && op != OpExtensible && !validAttr(f.Attr) {
		return nil, nil, fmt.Errorf("%w: attribute description %q", errFilter, f.Attr)
	}
	return f, rest, nil
}

// validAttr reports whether s is an attribute description's form (RFC
// 4512 §2.5: a descriptor or OID, then options): letters, digits,
// hyphens, dots and semicolons, starting with a letter or digit.
func validAttr(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !alnum && (i == 0 || (c != '-' && c != '.' && c != ';')) {
			return false
		}
	}
	return true
}

// String writes f in the RFC 4515 string form (for logs and tests).
func (f *Filter) String() string {
	var b strings.Builder
	f.write(&b)
	return b.String()
}

func (f *Filter) write(b *strings.Builder) {
	b.WriteByte('(')
	switch f.Op {
	case OpAnd, OpOr, OpNot:
		b.WriteByte("&|!"[f.Op])
		for _, c := range f.Children {
			c.write(b)
		}
	case OpEquality:
		b.WriteString(f.Attr + "=" + escapeValue(f.Value))
	case OpGreaterOrEqual:
		b.WriteString(f.Attr + ">=" + escapeValue(f.Value))
	case OpLessOrEqual:
		b.WriteString(f.Attr + "<=" + escapeValue(f.Value))
	case OpApprox:
		b.WriteString(f.Attr + "~=" + escapeValue(f.Value))
	case OpPresent:
		b.WriteString(f.Attr + "=*")
	case OpSubstrings:
		b.WriteString(f.Attr + "=" + escapeValue(f.Initial) + "*")
		for _, a := range f.Any {
			b.WriteString(escapeValue(a) + "*")
		}
		b.WriteString(escapeValue(f.Final))
	case OpExtensible:
		b.WriteString(":extensible:")
	}
	b.WriteByte(')')
}

// escapeValue escapes the characters RFC 4515 §3 requires.
func escapeValue(s string) string {
	if !strings.ContainsAny(s, "*()\\\x00") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '(', ')', '\\', 0:
			fmt.Fprintf(&b, "\\%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
