package googlefake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// JWTBearerGrant is the grant_type of a service account's token request
// (RFC 7523 §2.1).
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// tokenErr writes an RFC 6749 §5.2 error answer.
func tokenErr(w http.ResponseWriter, code int, errCode, desc string) {
	writeJSON(w, code, map[string]string{"error": errCode, "error_description": desc})
}

// token serves POST /token (the caller holds s.mu).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		tokenErr(w, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenErr(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	grant := r.PostForm.Get("grant_type")
	s.grants = append(s.grants, grant)
	var scope string
	switch grant {
	case JWTBearerGrant:
		aud := "http://" + r.Host + TokenPath
		if r.TLS != nil {
			aud = "https://" + r.Host + TokenPath
		}
		sc, code, desc := s.checkAssertion(r.PostForm.Get("assertion"), aud)
		if code != "" {
			tokenErr(w, http.StatusBadRequest, code, desc)
			return
		}
		scope = sc
	case "refresh_token":
		switch {
		case r.PostForm.Get("client_id") != s.ClientID || r.PostForm.Get("client_secret") != s.ClientSecret:
			tokenErr(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
			return
		case r.PostForm.Get("refresh_token") != s.RefreshToken:
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		scope = ContactsScope
	default:
		tokenErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+grant)
		return
	}
	s.tokenN++
	tok := fmt.Sprintf("ya29.fake-%d", s.tokenN)
	s.tokens[tok] = scope
	// tokenShape in shapes.go.
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer", "scope": scope})
}

// claims of a service account's assertion (shapes.go, claimShape).
type claims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub"`
}

// checkAssertion verifies the JWT: header alg RS256, the signature with
// the service account's public key, then iss, aud, sub, scope and the
// times (exp after now, at most one hour after iat). It returns the scope,
// or an RFC 6749 error code and description.
func (s *Server) checkAssertion(jwt, aud string) (scope, code, desc string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", "invalid_grant", "Invalid JWT: not three segments."
	}
	var hdr struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" {
		return "", "invalid_grant", "Invalid JWT header: alg must be RS256."
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", "invalid_grant", "Invalid JWT Signature."
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.ServiceKey, crypto.SHA256, sum[:], sig) != nil {
		return "", "invalid_grant", "Invalid JWT Signature."
	}
	var c claims
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(cb, &c) != nil {
		return "", "invalid_grant", "Invalid JWT claim set."
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().Unix()
	switch {
	case c.Iss != s.ServiceEmail:
		return "", "invalid_client", "The OAuth client was not found."
	case c.Aud != aud:
		return "", "invalid_grant", "Invalid JWT: aud must be " + aud
	case c.Exp <= t || c.Iat > t+300 || c.Exp-c.Iat > 3600:
		return "", "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
	case c.Sub != s.Subject:
		return "", "invalid_grant", "Invalid email or User ID"
	case c.Scope != DirectoryScope:
		return "", "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."
	}
	return c.Scope, "", ""
}
