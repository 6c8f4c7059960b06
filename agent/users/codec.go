package users

import "encoding/json"

// marshal encodes a value of this package's own types, which always
// encode.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("users: encode: " + err.Error())
	}
	return b
}

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
