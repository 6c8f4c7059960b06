package ldapsrc

import (
	"encoding/hex"
	"fmt"
)

// FormatGUID renders Active Directory's objectGUID (16 raw bytes) as the GUID string Windows
// shows ("{…}" without braces): the first three groups are little-endian (the Data1, Data2,
// Data3 fields of the GUID structure), the last two are in byte order
// (https://learn.microsoft.com/windows/win32/api/guiddef/ns-guiddef-guid).
func FormatGUID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("%d bytes, want 16", len(b))
	}
	le := []byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]}
	var out [36]byte
	hex.Encode(out[0:8], le[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], le[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], le[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:]), nil
}

// ParseGUID is FormatGUID's inverse: the 16 bytes of a GUID string (with or without braces).
func ParseGUID(s string) ([]byte, error) {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, fmt.Errorf("GUID %q: want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	raw, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if err != nil {
		return nil, fmt.Errorf("GUID %q: %w", s, err)
	}
	return []byte{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6],
		raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]}, nil
}
