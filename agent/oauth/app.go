package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// App types.
const (
	// AppPublic is a browser or native app that cannot keep a secret: it
	// proves itself with PKCE alone.
	AppPublic = "public"
	// AppConfidential is a server-side app holding a client secret.
	AppConfidential = "confidential"
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// grantTypes are the grant types an app may be allowed.
var grantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// Limits of an app's fields.
const (
	maxAppName      = 100
	maxRedirectURIs = 20
)

// App is a registered OAuth2 client, as the apps API shows it.
type App struct {
	// ClientID is generated at registration.
	ClientID string `json:"client_id" doc:"The app's id, generated at registration (the OAuth2 client_id)" example:"app_3f2a9c"`
	Name     string `json:"name" doc:"A name shown on the consent page" example:"Ankunding CRM"`
	// Type is "public" or "confidential".
	Type         string           `json:"type" openapi:"enum=public|confidential" doc:"public (a browser or mobile app: PKCE, no secret) or confidential (a server with a secret)" example:"confidential"`
	RedirectURIs []string         `json:"redirect_uris" doc:"The exact URIs the authorization may return to" example:"[\"https://crm.example.com/oauth/callback\"]"`
	Scopes       []platform.Scope `json:"scopes" doc:"The scopes the app may be granted" example:"[\"contacts:read\",\"contacts:write\"]"`
	GrantTypes   []string         `json:"grant_types" doc:"The grants the app may use: authorization_code, refresh_token, client_credentials" example:"[\"authorization_code\",\"refresh_token\"]"`
	Created      time.Time        `json:"created" doc:"When the app was registered" example:"2026-11-30T09:12:00Z"`
	Updated      time.Time        `json:"updated" doc:"When the app last changed" example:"2026-12-01T10:00:00Z"`
	// SecretSet is when the current secret was made (confidential apps).
	SecretSet *time.Time `json:"secret_set,omitempty" doc:"When the current secret was made (confidential apps)" example:"2026-11-30T09:12:00Z"`
}

// appRec is an app as stored: never changed in place (readers hold the
// pointer without the lock), replaced on every change.
type appRec struct {
	App
	// SecretHash is the SHA-256 of the client secret (a 256-bit random
	// value, so a fast hash is enough).
	SecretHash []byte `json:"secret_sha256,omitempty"`
}

func (a *appRec) allows(grant string) bool { return slices.Contains(a.GrantTypes, grant) }

// checkSecret compares secret with the stored hash in constant time.
func (a *appRec) checkSecret(secret string) bool {
	if len(a.SecretHash) != 32 || secret == "" {
		return false
	}
	h := hashOf(secret)
	return subtle.ConstantTimeCompare(h[:], a.SecretHash) == 1
}

// appInput is the body of a create or a patch.
type appInput struct {
	Name         *string   `json:"name" doc:"A name shown on the consent page" example:"Ankunding CRM"`
	Type         *string   `json:"type" doc:"public or confidential (create only)" example:"confidential"`
	RedirectURIs *[]string `json:"redirect_uris" doc:"The exact URIs the authorization may return to (https, or http on loopback)" example:"[\"https://crm.example.com/oauth/callback\"]"`
	Scopes       *[]string `json:"scopes" doc:"The scopes the app may be granted" example:"[\"contacts:read\",\"contacts:write\"]"`
	GrantTypes   *[]string `json:"grant_types" doc:"The grants the app may use: authorization_code, refresh_token, client_credentials" example:"[\"authorization_code\",\"refresh_token\"]"`
}

// apply checks in and writes it to a, naming every wrong field.
func (in appInput) apply(a *appRec, create bool) error {
	var errs []platform.FieldError
	bad := func(field, msg string) { errs = append(errs, platform.FieldError{Field: field, Message: msg}) }
	if in.Type != nil {
		switch {
		case !create:
			bad("type", "cannot change; register a new app instead")
		case *in.Type != AppPublic && *in.Type != AppConfidential:
			bad("type", `must be "public" or "confidential"`)
		default:
			a.Type = *in.Type
		}
	} else if create {
		bad("type", `is required: "public" or "confidential"`)
	}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		switch {
		case n == "":
			bad("name", "is empty")
		case !utf8.ValidString(n) || utf8.RuneCountInString(n) > maxAppName:
			bad("name", fmt.Sprintf("must be at most %d characters of UTF-8", maxAppName))
		case strings.IndexFunc(n, unicode.IsControl) >= 0:
			bad("name", "must not hold control characters")
		default:
			a.Name = n
		}
	} else if create {
		bad("name", "is required")
	}
	if in.RedirectURIs != nil {
		uris := *in.RedirectURIs
		if len(uris) > maxRedirectURIs {
			bad("redirect_uris", fmt.Sprintf("at most %d", maxRedirectURIs))
		} else {
			ok := true
			for i, u := range uris {
				if err := ValidateRedirectURI(u); err != nil {
					bad(fmt.Sprintf("redirect_uris[%d]", i), err.Error())
					ok = false
				}
			}
			if ok {
				a.RedirectURIs = slices.Compact(slices.Sorted(slices.Values(uris)))
			}
		}
	}
	if in.Scopes != nil {
		sc, fe := parseScopeList("scopes", *in.Scopes)
		switch {
		case fe != nil:
			errs = append(errs, *fe)
		case len(sc) == 0:
			bad("scopes", "name at least one scope")
		default:
			a.Scopes = sc
		}
	} else if create {
		bad("scopes", "is required: at least one of "+FormatScope(platform.AppScopes))
	}
	if in.GrantTypes != nil {
		var gs []string
		for i, g := range *in.GrantTypes {
			if !slices.Contains(grantTypes, g) {
				bad(fmt.Sprintf("grant_types[%d]", i), "must be one of "+strings.Join(grantTypes, ", "))
				continue
			}
			if !slices.Contains(gs, g) {
				gs = append(gs, g)
			}
		}
		if len(gs) == 0 && len(errs) == 0 {
			bad("grant_types", "name at least one grant type")
		}
		a.GrantTypes = gs
	} else if create {
		a.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	if len(errs) == 0 {
		switch {
		case a.Type == AppPublic && a.allows(GrantClientCredentials):
			bad("grant_types", "client_credentials needs a confidential app")
		case a.allows(GrantAuthorizationCode) && len(a.RedirectURIs) == 0:
			bad("redirect_uris", "authorization_code needs at least one redirect URI")
		case a.allows(GrantRefreshToken) && !a.allows(GrantAuthorizationCode):
			bad("grant_types", "refresh_token needs authorization_code")
		}
	}
	if len(errs) > 0 {
		return platform.Invalid("invalid app", errs...)
	}
	if a.RedirectURIs == nil {
		a.RedirectURIs = []string{}
	}
	return nil
}

// putApp stores a and publishes it.
func (s *Server) putApp(ctx context.Context, a *appRec) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := s.kv.Put(ctx, kvApp+a.ClientID, b); err != nil {
		return fmt.Errorf("oauth: store app %s: %w", a.ClientID, err)
	}
	s.mu.Lock()
	s.apps[a.ClientID] = a
	s.mu.Unlock()
	return nil
}

// app returns the app with client id id, or nil.
func (s *Server) app(id string) *appRec {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.apps[id]
}

// newSecret sets a fresh secret on a and returns it.
func (s *Server) newSecret(a *appRec) string {
	sec := randomToken(prefixSecret)
	h := hashOf(sec)
	a.SecretHash = h[:]
	now := s.clk.Now().UTC()
	a.SecretSet = &now
	return sec
}
