package pmssim

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// This file is the simulator's own reading of the FIAS framing (STX body
// ETX; body "RT|IDvalue|…|"), written apart from agent/hotel/fias so that
// a misreading of the specification is not shared by both sides.

const (
	stx = 0x02
	etx = 0x03
)

// maxBody bounds one record.
const maxBody = 16 << 10

// Rec is one record as the simulator saw or sent it.
type Rec struct {
	// Type is the record type ("PS").
	Type string
	// Fields maps field ids to values (the first of a repeated id).
	Fields map[string]string
	// Order is the field ids in order.
	Order []string
	// Raw is the body as on the wire.
	Raw string
}

// parse reads a body; ok is false for one without a two-character type.
func parse(body string) (Rec, bool) {
	parts := strings.Split(body, "|")
	if len(parts[0]) != 2 {
		return Rec{}, false
	}
	r := Rec{Type: parts[0], Fields: map[string]string{}, Raw: body}
	for _, p := range parts[1:] {
		if len(p) < 2 {
			continue
		}
		id := p[:2]
		if _, dup := r.Fields[id]; !dup {
			r.Fields[id] = p[2:]
			r.Order = append(r.Order, id)
		}
	}
	return r, true
}

// build renders a body from a type and id, value pairs, keeping only the
// fields allowed lists (all when allowed is nil).
func build(typ string, allowed []string, kv ...string) string {
	var b strings.Builder
	b.WriteString(typ)
	b.WriteByte('|')
	for i := 0; i+1 < len(kv); i += 2 {
		if allowed != nil && !contains(allowed, kv[i]) {
			continue
		}
		b.WriteString(kv[i])
		b.WriteString(kv[i+1])
		b.WriteByte('|')
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// frame wraps a body in STX and ETX.
func frame(body string) []byte {
	b := make([]byte, 0, len(body)+2)
	b = append(b, stx)
	b = append(b, body...)
	return append(b, etx)
}

// readFrame returns the next body, skipping bytes outside frames.
func readFrame(r *bufio.Reader) (string, error) {
	if _, err := r.ReadBytes(stx); err != nil {
		return "", err
	}
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch c {
		case etx:
			return string(b), nil
		case stx:
			b = b[:0]
		default:
			if len(b) >= maxBody {
				return "", errors.New("pmssim: record too long")
			}
			b = append(b, c)
		}
	}
}
