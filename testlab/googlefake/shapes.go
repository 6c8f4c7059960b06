package googlefake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
)

// The shapes this fake reproduces, as Google documents them.
//
// Token request of a service account
// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests),
// claimShape:
//
//	JWT header: {"alg":"RS256","typ":"JWT"}
//	JWT claim set:
//	{
//	  "iss": "761326798069-r5mljlln1rd4lrbhg75efgigp36m78j5@developer.gserviceaccount.com",
//	  "scope": "https://www.googleapis.com/auth/devstorage.read_only",
//	  "aud": "https://oauth2.googleapis.com/token",
//	  "exp": 1328554385,
//	  "iat": 1328550785
//	}
//	"sub": the email address of the user for which the application is
//	requesting delegated access (domain-wide delegation).
//	"The JWT must be signed using RSA SHA-256 ... exp: a maximum of 1 hour
//	after the issued time."
//	POST /token HTTP/1.1
//	Content-Type: application/x-www-form-urlencoded
//	grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJSUzI1NiIsInR5cCI6...
//
// tokenShape, the answer
// (same page, and https://developers.google.com/identity/protocols/oauth2/web-server#offline
// for grant_type=refresh_token with client_id, client_secret, refresh_token):
//
//	{
//	  "access_token": "1/8xbJqaOZXSUZbHLl5EOtu1pxz3fmmetKx9W8CV4t79M",
//	  "scope": "https://www.googleapis.com/auth/prediction",
//	  "token_type": "Bearer",
//	  "expires_in": 3600
//	}
//
// Errors of the token endpoint are RFC 6749 §5.2's {"error":
// "invalid_grant", "error_description": "..."}; the service account page
// lists invalid_grant ("Invalid JWT Signature.", "Invalid email or User
// ID"), invalid_client and unauthorized_client ("Client is unauthorized to
// retrieve access tokens using this method, or client not authorized for
// any of the scopes requested." — missing domain-wide delegation).
//
// GET https://people.googleapis.com/v1/people:listDirectoryPeople
// (https://developers.google.com/people/api/rest/v1/people/listDirectoryPeople):
// query readMask (required), sources[] (required:
// DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT, DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE),
// pageSize (1–1000, default 100), pageToken ("When paginating, all other
// parameters provided to people.listDirectoryPeople must match the first
// call that provided the page token."), requestSyncToken, syncToken. The
// answer:
//
//	{
//	  "people": [ { object (Person) } ],
//	  "nextPageToken": string,
//	  "nextSyncToken": string
//	}
//
// GET https://people.googleapis.com/v1/{resourceName=people/*}/connections
// (https://developers.google.com/people/api/rest/v1/people.connections/list):
// query personFields (required), pageSize, pageToken, requestSyncToken,
// syncToken ("Sync tokens expire 7 days after the full sync. A request with
// an expired sync token will get an error with an google.rpc.ErrorInfo with
// reason "EXPIRED_SYNC_TOKEN". ... When the syncToken is specified,
// resources deleted since the last sync will be returned as a person with
// PersonMetadata.deleted set to true."). The answer:
//
//	{
//	  "connections": [ { object (Person) } ],
//	  "nextPageToken": string,
//	  "nextSyncToken": string,
//	  "totalPeople": integer,
//	  "totalItems": integer
//	}
//
// Person (https://developers.google.com/people/api/rest/v1/people#Person),
// the fields used:
//
//	{
//	  "resourceName": "people/c12345",
//	  "etag": string,
//	  "metadata": { "sources": [ { "type": "CONTACT", "id": string } ], "deleted": boolean },
//	  "names": [ { "metadata": { "primary": boolean }, "displayName": string,
//	               "familyName": string, "givenName": string, "middleName": string } ],
//	  "emailAddresses": [ { "metadata": {...}, "value": string, "type": string, "formattedType": string } ],
//	  "phoneNumbers": [ { "metadata": {...}, "value": string, "canonicalForm": string,
//	                      "type": string, "formattedType": string } ],
//	  "organizations": [ { "metadata": {...}, "name": string, "department": string, "title": string } ]
//	}
//
// PhoneNumber.type: "home", "work", "mobile", "homeFax", "workFax",
// "otherFax", "pager", "workMobile", "workPager", "main", "googleVoice",
// "other" or custom; canonicalForm is "The canonicalized ITU-T E.164 form
// of the phone number."
//
// Errors (errorShape) are google.rpc.Status in JSON
// (https://cloud.google.com/apis/design/errors#http_mapping):
//
//	{
//	  "error": {
//	    "code": 400,
//	    "message": "Sync token is expired. Clear local cache and retry call without the sync token.",
//	    "status": "FAILED_PRECONDITION",
//	    "details": [ { "@type": "type.googleapis.com/google.rpc.ErrorInfo",
//	                   "reason": "EXPIRED_SYNC_TOKEN", "domain": "googleapis.com" } ]
//	  }
//	}
//
// with 429 RESOURCE_EXHAUSTED for quota and 401 UNAUTHENTICATED for a bad
// access token.

// DirectoryPerson returns a domain profile person numbered i, as
// listDirectoryPeople returns it.
func DirectoryPerson(i int) Person {
	return Person{
		"resourceName": fmt.Sprintf("people/d%06d", i),
		"etag":         fmt.Sprintf("%%EgUBAgMFByIMd%06d", i),
		"metadata":     map[string]any{"sources": []any{map[string]any{"type": "DOMAIN_PROFILE", "id": fmt.Sprintf("d%06d", i)}}},
		"names": []any{map[string]any{"metadata": map[string]any{"primary": true},
			"displayName": fmt.Sprintf("Given%d Family%d", i, i), "givenName": fmt.Sprintf("Given%d", i), "familyName": fmt.Sprintf("Family%d", i)}},
		"emailAddresses": []any{map[string]any{"metadata": map[string]any{"primary": true}, "value": fmt.Sprintf("user%d@example.com", i), "type": "work"}},
		"phoneNumbers": []any{
			map[string]any{"value": fmt.Sprintf("(030) %06d", i), "canonicalForm": fmt.Sprintf("+4930%06d", i), "type": "work", "formattedType": "Work"},
			map[string]any{"value": fmt.Sprintf("0171 %06d", i), "type": "mobile", "formattedType": "Mobile"},
		},
		"organizations": []any{map[string]any{"metadata": map[string]any{"primary": true}, "name": "Example GmbH", "department": "Sales", "title": "Engineer"}},
	}
}

// ContactPerson returns a user's contact numbered i, as people.connections
// returns it.
func ContactPerson(i int) Person {
	p := DirectoryPerson(i)
	p["resourceName"] = fmt.Sprintf("people/c%06d", i)
	p["metadata"] = map[string]any{"sources": []any{map[string]any{"type": "CONTACT", "id": fmt.Sprintf("c%06d", i)}}}
	return p
}

// NewKey returns a test RSA key pair (2048 bits).
func NewKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// KeyFile returns a service account JSON key file for email and key, in the
// format the Google Cloud console downloads
// (https://cloud.google.com/iam/docs/keys-create-delete): the private key
// as PKCS #8 PEM.
func KeyFile(email string, key *rsa.PrivateKey, tokenURI string) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "pbx-test", "private_key_id": "0123456789abcdef",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": email, "client_id": "1234567890", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
		"token_uri": tokenURI,
	})
	return string(b)
}
