package audit

import "strings"

// secretNames are what a key naming a secret contains, once lower-cased
// with '-', '_', '.' and spaces removed.
var secretNames = []string{"password", "passwd", "passphrase", "secret", "token", "authorization", "cookie", "apikey", "credential", "privatekey"}

// IsSecretKey reports whether a details key names a secret (a password,
// a client secret, a token, an Authorization header...): "Client-Secret",
// "access_token", "X-Api-Key" and "PASSWORD" all do.
func IsSecretKey(k string) bool {
	n := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(k))
	for _, s := range secretNames {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Redact returns details without the keys that name secrets (a new map;
// nil when nothing is left). Every entry's details pass through it before
// they are stored.
func Redact(details map[string]string) map[string]string {
	var out map[string]string
	for k, v := range details {
		if IsSecretKey(k) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(details))
		}
		out[k] = v
	}
	return out
}
