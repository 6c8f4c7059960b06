package phonebook

import (
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

// nameValue is the cn/<id> value: 'g' or 'p' (scope), display name, NUL,
// source.
func nameValue(c *Contact) []byte {
	b := make([]byte, 0, 2+len(c.DisplayName)+len(c.Source))
	if c.Scope == ScopePersonal {
		b = append(b, 'p')
	} else {
		b = append(b, 'g')
	}
	b = append(b, c.DisplayName...)
	b = append(b, 0)
	return append(b, c.Source...)
}

func splitNameValue(b []byte) (global bool, name, source string) {
	if len(b) == 0 {
		return false, "", ""
	}
	global, b = b[0] == 'g', b[1:]
	for i, x := range b {
		if x == 0 {
			return global, string(b[:i]), string(b[i+1:])
		}
	}
	return global, string(b), ""
}
