package phonebook

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"
)

// record is the JSON form of a stored contact (schema ≤ 2, still read): the
// contact plus the number index keys it was written under, so a later
// write removes exactly those even if the numbering configuration changed
// since.
type record struct {
	*Contact
	NumKeys []string `json:"_nk,omitempty"`
}

// recBinV1 is the first byte of a binary contact record. A JSON record
// starts with '{', which no binary format tag may ever be.
//
// Binary record, format 1 (strings are a uvarint length and the bytes;
// counts are uvarints; a time is a zigzag varint of Unix seconds, a uvarint
// of nanoseconds < 1e9 and a zigzag varint of the zone offset in seconds,
// 0 meaning UTC):
//
//	0x01
//	ID Scope Owner FirstName MiddleName LastName DisplayName Company
//	Department JobTitle OfficeLocation PreferredLanguage UserPrincipalName
//	Source ExternalID                                   (strings)
//	CreatedAt UpdatedAt                                  (times)
//	count, then Label Address per e-mail
//	count, then Type Value Normalized per number
//	count, then key value per custom field, keys in increasing byte order
//	count, then the number keys
//
// Nothing may follow. Encoding is deterministic (sameContent compares
// encodings).
const recBinV1 = 0x01

// strNames names the string fields of a record, in record order, for errors.
var strNames = [15]string{
	"id", "scope", "owner", "first_name", "middle_name", "last_name", "display_name",
	"company", "department", "job_title", "office_location", "preferred_language",
	"user_principal_name", "source", "external_id",
}

// strFields lists the contact's string fields in record order.
func strFields(c *Contact) [15]*string {
	return [15]*string{
		&c.ID, (*string)(&c.Scope), &c.Owner, &c.FirstName, &c.MiddleName, &c.LastName,
		&c.DisplayName, &c.Company, &c.Department, &c.JobTitle, &c.OfficeLocation,
		&c.PreferredLanguage, &c.UserPrincipalName, &c.Source, &c.ExternalID,
	}
}

// encodeRecord returns the stored form of c with the number keys it is
// indexed under (binary format 1).
func encodeRecord(c *Contact, numKeys []string) ([]byte, error) {
	fs := strFields(c)
	n := 1 + 2*maxTimeLen + 4*binary.MaxVarintLen32
	for _, f := range fs {
		n += strLen(*f)
	}
	for i := range c.Emails {
		n += strLen(c.Emails[i].Label) + strLen(c.Emails[i].Address)
	}
	for i := range c.Numbers {
		x := &c.Numbers[i]
		n += strLen(string(x.Type)) + strLen(x.Value) + strLen(x.Normalized)
	}
	for k, v := range c.Custom {
		n += strLen(k) + strLen(v)
	}
	for _, k := range numKeys {
		n += strLen(k)
	}
	b := make([]byte, 1, n)
	b[0] = recBinV1
	for _, f := range fs {
		b = appendStr(b, *f)
	}
	b = appendTime(b, c.CreatedAt)
	b = appendTime(b, c.UpdatedAt)
	b = binary.AppendUvarint(b, uint64(len(c.Emails)))
	for i := range c.Emails {
		b = appendStr(appendStr(b, c.Emails[i].Label), c.Emails[i].Address)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Numbers)))
	for i := range c.Numbers {
		x := &c.Numbers[i]
		b = appendStr(appendStr(appendStr(b, string(x.Type)), x.Value), x.Normalized)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Custom)))
	switch len(c.Custom) {
	case 0:
	case 1:
		for k, v := range c.Custom {
			b = appendStr(appendStr(b, k), v)
		}
	default:
		keys := make([]string, 0, len(c.Custom))
		for k := range c.Custom {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendStr(appendStr(b, k), c.Custom[k])
		}
	}
	b = binary.AppendUvarint(b, uint64(len(numKeys)))
	for _, k := range numKeys {
		b = appendStr(b, k)
	}
	return b, nil
}

// decodeRecord parses a stored contact: binary (format 1) or, from stores
// written before schema 3, JSON.
func decodeRecord(b []byte) (*Contact, []string, error) {
	if len(b) == 0 {
		return nil, nil, errors.New("decode contact: empty record")
	}
	switch b[0] {
	case '{':
		r := record{Contact: &Contact{}}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, nil, fmt.Errorf("decode contact: %w", err)
		}
		return r.Contact, r.NumKeys, nil
	case recBinV1:
		c, nk, err := decodeBinV1(b[1:])
		if err != nil {
			return nil, nil, fmt.Errorf("decode contact: %w", err)
		}
		return c, nk, nil
	}
	return nil, nil, fmt.Errorf("decode contact: unknown record format 0x%02x", b[0])
}

// decodeBinV1 parses a format 1 record after its tag. Every string of the
// contact shares one copy of the record's bytes.
func decodeBinV1(b []byte) (*Contact, []string, error) {
	d := recDecoder{s: string(b)}
	c := &Contact{}
	for i, f := range strFields(c) {
		*f = d.str()
		if d.err != nil {
			return nil, nil, fmt.Errorf("%s: %w", strNames[i], d.err)
		}
	}
	c.CreatedAt = d.time()
	c.UpdatedAt = d.time()
	if d.err != nil {
		return nil, nil, fmt.Errorf("created_at/updated_at: %w", d.err)
	}
	if n := d.count(2); n > 0 {
		c.Emails = make([]Email, n)
		for i := range c.Emails {
			c.Emails[i] = Email{Label: d.str(), Address: d.str()}
		}
	}
	if d.err != nil {
		return nil, nil, fmt.Errorf("emails: %w", d.err)
	}
	if n := d.count(3); n > 0 {
		c.Numbers = make([]Number, n)
		for i := range c.Numbers {
			c.Numbers[i] = Number{Type: NumberType(d.str()), Value: d.str(), Normalized: d.str()}
		}
	}
	if d.err != nil {
		return nil, nil, fmt.Errorf("numbers: %w", d.err)
	}
	if n := d.count(2); n > 0 {
		c.Custom = make(map[string]string, n)
		for range n {
			k := d.str()
			c.Custom[k] = d.str()
		}
	}
	if d.err != nil {
		return nil, nil, fmt.Errorf("custom: %w", d.err)
	}
	var nk []string
	if n := d.count(1); n > 0 {
		nk = make([]string, n)
		for i := range nk {
			nk[i] = d.str()
		}
	}
	if d.err != nil {
		return nil, nil, fmt.Errorf("number keys: %w", d.err)
	}
	if len(d.s) != 0 {
		return nil, nil, fmt.Errorf("%d bytes after the record", len(d.s))
	}
	return c, nk, nil
}

// maxTimeLen bounds an encoded time: two varints of 64 bits and nanoseconds.
const maxTimeLen = 2*binary.MaxVarintLen64 + binary.MaxVarintLen32

// strLen is the encoded size of s.
func strLen(s string) int { return (bits.Len64(uint64(len(s))|1)+6)/7 + len(s) }

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendTime encodes t's instant and zone offset. Like the JSON records
// before, it keeps neither a zone's name nor a monotonic reading.
func appendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// recDecoder reads a binary record; after the first error every read
// returns the zero value and err stays set.
type recDecoder struct {
	s   string
	err error
}

var (
	errTruncated = errors.New("truncated")
	errVarint    = errors.New("bad varint")
)

func (d *recDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	// Fast path: one byte.
	if len(d.s) > 0 && d.s[0] < 0x80 {
		v := uint64(d.s[0])
		d.s = d.s[1:]
		return v
	}
	var x uint64
	var s uint
	for i := 0; i < len(d.s); i++ {
		c := d.s[i]
		if i == binary.MaxVarintLen64 {
			d.err = errVarint
			return 0
		}
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				d.err = errVarint
				return 0
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<s
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	d.err = errTruncated
	return 0
}

func (d *recDecoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *recDecoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.err = errTruncated
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

// count reads an element count; each element takes at least min bytes, so
// a count the rest of the record cannot hold is an error (and never a huge
// allocation).
func (d *recDecoder) count(min int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.s)/min) {
		d.err = errTruncated
		return 0
	}
	return int(n)
}

// time reads a time as appendTime wrote it. An offset of 0 is UTC; another
// offset becomes the local zone when that has the offset at that instant,
// else a fixed zone — what the JSON records decoded to.
func (d *recDecoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	off := d.varint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.err = fmt.Errorf("nanoseconds %d out of range", nsec)
		return time.Time{}
	}
	if off < -24*3600 || off > 24*3600 {
		// time.FixedZone accepts any offset, but no zone is a day off UTC.
		d.err = fmt.Errorf("zone offset %d out of range", off)
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if off == 0 {
		return t
	}
	if _, lo := t.In(time.Local).Zone(); int64(lo) == off {
		return t.In(time.Local)
	}
	return t.In(time.FixedZone("", int(off)))
}

// numValue is the value of an ix/num entry: the contact's visibility (see
// visibility), NUL, its display name — what a caller-ID lookup and a number
// search need without reading the contact.
func numValue(c *Contact) []byte {
	v := visibility(c)
	v = append(v, 0)
	return append(v, c.DisplayName...)
}

// splitNumValue parses numValue.
func splitNumValue(b []byte) (global bool, owner, source, name string) {
	if len(b) == 0 {
		return false, "", "", ""
	}
	global = b[0] == 'g'
	rest := b[1:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return global, string(rest), "", ""
	}
	owner, rest = string(rest[:i]), rest[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 {
		return global, owner, string(rest), ""
	}
	return global, owner, string(rest[:j]), string(rest[j+1:])
}
