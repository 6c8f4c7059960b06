package fias

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Framing bytes: a record is STX body ETX.
const (
	STX = 0x02
	ETX = 0x03
)

// Field is one field of a record: a two-character id ("RN") and its value.
type Field struct {
	ID    string
	Value string
}

// Record is one FIAS record: a two-character type ("GI") and its fields
// in order.
type Record struct {
	Type   string
	Fields []Field
}

// NewRecord returns a record of type typ with fields given as id, value
// pairs (a trailing id without a value is dropped).
func NewRecord(typ string, idValues ...string) Record {
	r := Record{Type: typ}
	for i := 0; i+1 < len(idValues); i += 2 {
		r.Fields = append(r.Fields, Field{ID: idValues[i], Value: idValues[i+1]})
	}
	return r
}

// Get returns the value of the first field id and whether it is there.
func (r Record) Get(id string) (string, bool) {
	for _, f := range r.Fields {
		if f.ID == id {
			return f.Value, true
		}
	}
	return "", false
}

// Value returns the value of field id ("" when absent).
func (r Record) Value(id string) string {
	v, _ := r.Get(id)
	return v
}

// Has reports whether field id is there.
func (r Record) Has(id string) bool {
	_, ok := r.Get(id)
	return ok
}

// String renders r as its body ("GI|RN101|GNRossi|").
func (r Record) String() string {
	var b strings.Builder
	b.WriteString(r.Type)
	b.WriteByte('|')
	for _, f := range r.Fields {
		b.WriteString(f.ID)
		b.WriteString(f.Value)
		b.WriteByte('|')
	}
	return b.String()
}

// LogValue renders r as its body when a log line is written.
func (r Record) LogValue() slog.Value { return slog.StringValue(r.String()) }

// validID reports whether s is a record type or field id: two of A-Z, 0-9
// and '#' (G#, P#, V#).
func validID(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '#') {
			return false
		}
	}
	return true
}

// Encode returns r framed: STX, the body, ETX. A type or field id that is
// not two characters of A-Z, 0-9, '#', or a value holding '|', STX or
// ETX, is an error naming it.
func Encode(r Record) ([]byte, error) {
	if !validID(r.Type) {
		return nil, fmt.Errorf("fias: record type %q: want 2 of A-Z, 0-9, #", r.Type)
	}
	n := 4
	for _, f := range r.Fields {
		n += len(f.ID) + len(f.Value) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, STX)
	b = append(b, r.Type...)
	b = append(b, '|')
	for _, f := range r.Fields {
		if !validID(f.ID) {
			return nil, fmt.Errorf("fias: %s: field id %q: want 2 of A-Z, 0-9, #", r.Type, f.ID)
		}
		if strings.ContainsAny(f.Value, "|\x02\x03") {
			return nil, fmt.Errorf("fias: %s: field %s: value %q holds '|', STX or ETX", r.Type, f.ID, f.Value)
		}
		b = append(b, f.ID...)
		b = append(b, f.Value...)
		b = append(b, '|')
	}
	b = append(b, ETX)
	return b, nil
}

// ErrEmpty is Decode's error for a body with no record type.
var ErrEmpty = errors.New("fias: empty record")

// Decode reads one record's body (what is between STX and ETX). The
// trailing '|' may be missing; empty fields ("||") are skipped. A value
// that is not UTF-8 is read as ISO 8859-1 (PMSs often send a single-byte
// code page). Errors name the record type and the field's position.
func Decode(body []byte) (Record, error) {
	s := string(body)
	if s == "" {
		return Record{}, ErrEmpty
	}
	parts := strings.Split(s, "|")
	typ := parts[0]
	if !validID(typ) {
		return Record{}, fmt.Errorf("fias: record type %q: want 2 of A-Z, 0-9, #", clip(typ))
	}
	r := Record{Type: typ}
	for i, p := range parts[1:] {
		if p == "" {
			continue
		}
		if len(p) < 2 || !validID(p[:2]) {
			return Record{}, fmt.Errorf("fias: %s: field %d %q: want a 2-character id of A-Z, 0-9, # before the value", typ, i+1, clip(p))
		}
		r.Fields = append(r.Fields, Field{ID: p[:2], Value: text(p[2:])})
	}
	return r, nil
}

// text returns v as UTF-8: unchanged when it is, else read as ISO 8859-1.
func text(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	rs := make([]rune, len(v))
	for i := 0; i < len(v); i++ {
		rs[i] = rune(v[i])
	}
	return string(rs)
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
