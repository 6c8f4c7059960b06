package phonebook

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// record is the stored form of a contact: the contact plus the number
// index keys it was written under, so a later write removes exactly those
// even if the numbering configuration changed since.
type record struct {
	*Contact
	NumKeys []string `json:"_nk,omitempty"`
}

func encodeRecord(c *Contact, numKeys []string) ([]byte, error) {
	return json.Marshal(record{Contact: c, NumKeys: numKeys})
}

func decodeRecord(b []byte) (*Contact, []string, error) {
	r := record{Contact: &Contact{}}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, nil, fmt.Errorf("decode contact: %w", err)
	}
	return r.Contact, r.NumKeys, nil
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
