package ldapdir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// BER identifiers (X.690) used by LDAP; only single-byte tags occur.
const (
	tagBoolean     = 0x01
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagEnumerated  = 0x0a
	tagSequence    = 0x30
	tagSet         = 0x31

	classContext     = 0x80
	classApplication = 0x40
	constructed      = 0x20
)

// errBER is a malformed BER encoding.
var errBER = errors.New("malformed BER")

// readTLV splits the first element off b: its identifier, contents and
// what follows. Only definite lengths of at most 4 bytes are read; a
// high-tag-number identifier is refused (LDAP uses none).
func readTLV(b []byte) (tag byte, body, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, fmt.Errorf("%w: truncated element", errBER)
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, nil, nil, fmt.Errorf("%w: high tag number", errBER)
	}
	n, hdr, err := parseLength(b[1:])
	if err != nil {
		return 0, nil, nil, err
	}
	b = b[1+hdr:]
	if n > len(b) {
		return 0, nil, nil, fmt.Errorf("%w: length %d beyond the %d bytes left", errBER, n, len(b))
	}
	return tag, b[:n], b[n:], nil
}

// parseLength reads a definite length at b: the length and the bytes it
// took.
func parseLength(b []byte) (n, size int, err error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("%w: truncated length", errBER)
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, nil
	}
	k := int(b[0] & 0x7f)
	if k == 0 {
		return 0, 0, fmt.Errorf("%w: indefinite length", errBER)
	}
	if k > 4 || k >= len(b) {
		return 0, 0, fmt.Errorf("%w: length of %d bytes", errBER, k)
	}
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n < 0 || n > 1<<30 {
		return 0, 0, fmt.Errorf("%w: length %d", errBER, n)
	}
	return n, 1 + k, nil
}

// parseInt reads an INTEGER or ENUMERATED body of at most 8 bytes.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 8 {
		return 0, fmt.Errorf("%w: integer of %d bytes", errBER, len(b))
	}
	v := int64(int8(b[0])) // sign-extend the first byte
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v, nil
}

// expect reads one element with identifier want from b.
func expect(b []byte, want byte, what string) (body, rest []byte, err error) {
	tag, body, rest, err := readTLV(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if tag != want {
		return nil, nil, fmt.Errorf("%s: %w: identifier %#x, want %#x", what, errBER, tag, want)
	}
	return body, rest, nil
}

// expectInt reads an INTEGER (or, with tag, an ENUMERATED) element.
func expectInt(b []byte, tag byte, what string) (int64, []byte, error) {
	body, rest, err := expect(b, tag, what)
	if err != nil {
		return 0, nil, err
	}
	v, err := parseInt(body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, rest, nil
}

// errTooLarge is a message above the size bound.
var errTooLarge = errors.New("message too large")

// readMessage reads one LDAPMessage (a SEQUENCE) from r into buf (grown
// as needed, never past max bytes of contents) and returns its contents.
func readMessage(r *bufio.Reader, buf []byte, max int) ([]byte, []byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return nil, buf, err
	}
	if tag != tagSequence {
		return nil, buf, fmt.Errorf("%w: message identifier %#x, want a SEQUENCE", errBER, tag)
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, buf, noEOF(err)
	}
	n := int(first)
	if first >= 0x80 {
		k := int(first & 0x7f)
		if k == 0 || k > 4 {
			return nil, buf, fmt.Errorf("%w: message length of %d bytes", errBER, k)
		}
		n = 0
		for range k {
			c, err := r.ReadByte()
			if err != nil {
				return nil, buf, noEOF(err)
			}
			n = n<<8 | int(c)
		}
	}
	if n > max || n < 0 {
		return nil, buf, fmt.Errorf("%w: %d bytes, at most %d", errTooLarge, n, max)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, buf, noEOF(err)
	}
	return buf, buf, nil
}

// noEOF turns an EOF inside a message into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// encoder appends BER elements to b; open/close nest constructed ones.
type encoder struct {
	b     []byte
	stack []int
}

// open starts a constructed element: its identifier and room for a
// 3-byte long-form length, fixed by close.
func (e *encoder) open(tag byte) {
	e.b = append(e.b, tag, 0, 0, 0, 0)
	e.stack = append(e.stack, len(e.b))
}

// close ends the innermost open element, writing its length in the
// shortest form and moving the contents back over unused length bytes.
func (e *encoder) close() {
	start := e.stack[len(e.stack)-1]
	e.stack = e.stack[:len(e.stack)-1]
	n := len(e.b) - start
	var hdr [4]byte
	var h int
	switch {
	case n < 0x80:
		hdr[0], h = byte(n), 1
	case n < 0x100:
		hdr[0], hdr[1], h = 0x81, byte(n), 2
	case n < 0x10000:
		hdr[0], hdr[1], hdr[2], h = 0x82, byte(n>>8), byte(n), 3
	default:
		hdr[0], hdr[1], hdr[2], hdr[3], h = 0x83, byte(n>>16), byte(n>>8), byte(n), 4
	}
	lenAt := start - 4
	copy(e.b[lenAt:], hdr[:h])
	if h < 4 {
		copy(e.b[lenAt+h:], e.b[start:])
		e.b = e.b[:len(e.b)-(4-h)]
	}
}

// bytes appends a primitive element.
func (e *encoder) bytes(tag byte, v []byte) {
	e.b = append(e.b, tag)
	e.b = appendLength(e.b, len(v))
	e.b = append(e.b, v...)
}

// str appends a primitive element holding s.
func (e *encoder) str(tag byte, s string) {
	e.b = append(e.b, tag)
	e.b = appendLength(e.b, len(s))
	e.b = append(e.b, s...)
}

// int appends an INTEGER or ENUMERATED (by tag) in its shortest form.
func (e *encoder) int(tag byte, v int64) {
	var buf [8]byte
	n := 8
	for i := 7; i >= 0; i-- {
		buf[i] = byte(v)
		v >>= 8
	}
	start := 0
	for start < n-1 && ((buf[start] == 0 && buf[start+1]&0x80 == 0) || (buf[start] == 0xff && buf[start+1]&0x80 != 0)) {
		start++
	}
	e.bytes(tag, buf[start:])
}

// appendLength appends a definite length in its shortest form.
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	default:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}
