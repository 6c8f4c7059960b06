package audit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

// putKV keeps what is stored (Record only puts).
type putKV struct {
	phonebook.RangeKV
	stored [][]byte
}

func (p *putKV) Put(_ context.Context, _ string, v []byte) error {
	p.stored = append(p.stored, append([]byte(nil), v...))
	return nil
}

func TestIsSecretKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{key: "password", want: true}, {key: "Client-Secret", want: true}, {key: "client_secret", want: true},
		{key: "access_token", want: true}, {key: "Authorization", want: true}, {key: "X-Api-Key", want: true},
		{key: "refreshToken", want: true}, {key: "PASS_WORD", want: true}, {key: "new.password", want: true},
		{key: "mode", want: false}, {key: "confirm", want: false}, {key: "created", want: false}, {key: "mapping", want: false},
	} {
		if got := IsSecretKey(tc.key); got != tc.want {
			t.Errorf("IsSecretKey(%q) = %v", tc.key, got)
		}
	}
}

// FuzzRedactNeverStoresSecrets records entries whose details hold a value
// under a key built from a secret's name in any case and with separators:
// the value is never stored nor logged, and other keys survive.
func FuzzRedactNeverStoresSecrets(f *testing.F) {
	for _, s := range []struct{ pre, name, post string }{
		{"", "password", ""}, {"client-", "SECRET", ""}, {"access_", "Token", ""}, {"", "authorization", "_header"},
		{"x-", "api_key", ""}, {"", "pass.word", ""}, {"new ", "Credential", "s"},
	} {
		f.Add(s.pre, s.name, s.post, "v@lue")
	}
	f.Fuzz(func(t *testing.T, pre, name, post, value string) {
		base := strings.Map(func(r rune) rune {
			switch r {
			case '-', '_', '.', ' ':
				return -1
			}
			return r
		}, strings.ToLower(name))
		secret := false
		for _, s := range secretNames {
			if base == s {
				secret = true
			}
		}
		key := pre + name + post
		if !secret || strings.ContainsAny(key, "\x00") {
			return
		}
		marker := "SECRETVALUE-" + value
		kv := &putKV{}
		var logs bytes.Buffer
		l, err := New(kv, Config{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = l.Record(context.Background(), Entry{Action: "import.replace", Details: map[string]string{key: marker, "mode": "merge"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(kv.stored) != 1 {
			t.Fatalf("stored %d entries", len(kv.stored))
		}
		// JSON escapes some bytes: look for the marker's plain prefix.
		if bytes.Contains(kv.stored[0], []byte("SECRETVALUE-")) || strings.Contains(logs.String(), "SECRETVALUE-") {
			t.Fatalf("secret under %q stored or logged: %s %s", key, kv.stored[0], logs.String())
		}
		if !bytes.Contains(kv.stored[0], []byte(`"mode":"merge"`)) {
			t.Fatalf("an ordinary detail was dropped: %s", kv.stored[0])
		}
		for k := range Redact(map[string]string{key: "x", "mode": "y"}) {
			if IsSecretKey(k) {
				t.Fatalf("Redact kept %q", k)
			}
		}
	})
}
