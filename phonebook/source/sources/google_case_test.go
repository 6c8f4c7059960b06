package sources_test

import (
	"sync"

	"github.com/pbxagent/pbxagent/testlab/googlefake"
)

var googleKeys = sync.OnceValues(func() (string, string) {
	return googlefake.KeyFile("sa@p.iam.gserviceaccount.com", googlefake.NewKey(), ""),
		googlefake.KeyFile("sa@p.iam.gserviceaccount.com", googlefake.NewKey(), "")
})

// googleCase is the google type's case: directory mode, whose one secret
// is the service account's key file.
func googleCase() typeCase {
	key, newKey := googleKeys()
	return typeCase{typ: "google",
		settings: map[string]any{"mode": "directory", "service_account_key": key, "subject": "admin@example.com"},
		moves: map[string]any{"token_url": "https://attacker.example/token",
			"api_url": "https://attacker.example"},
		harmless:  map[string]any{"page_size": 500},
		urls:      []string{"api_url", "token_url"},
		newSecret: newKey}
}
