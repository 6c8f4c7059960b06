// Package audit keeps a log of every change made through the API or the
// CLI: who (the admin token, a user, an app acting for a user), what,
// which object, when, from which address and with which result. It lives
// in the phone book store's key-value namespace "audit", keyed by time, so
// listing newest first and by time range reads only what it returns.
// Entries never hold a secret: their details pass through Redact.
package audit

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Entry is one recorded change.
type Entry struct {
	// ID is the entry's key: time-ordered, unique.
	ID   string    `json:"id" doc:"The entry's key: time-ordered, unique" example:"01JEQ9C3D4E5F6G7H8J9K0M1N2"`
	Time time.Time `json:"time" doc:"When the change was made" example:"2026-12-07T08:30:00Z"`
	// Actor is who made the change.
	Actor Actor `json:"actor" doc:"Who made the change"`
	// Remote is the client's address (host only).
	Remote string `json:"remote,omitempty" doc:"The client's address (host only)" example:"192.0.2.10"`
	// Action names the change: "contact.create", "campaign.start",
	// "import.replace".
	Action string `json:"action" doc:"Names the change: contact.create, campaign.start, import.replace, …" example:"contact.create"`
	// Object is what was changed (type and id; id empty for a collection).
	Object Object `json:"object" doc:"What was changed (type and id; id empty for a collection)"`
	// Result is "ok" or the error code ("invalid", "insufficient_storage").
	Result string `json:"result" doc:"ok, or the error code (invalid, insufficient_storage, …)" example:"ok"`
	// Status is the HTTP status answered (0 for internal events).
	Status int `json:"status,omitempty" doc:"The HTTP status answered (0 for internal events)" example:"201"`
	// RequestID is the request's X-Request-Id.
	RequestID string `json:"request_id,omitempty" doc:"The request's X-Request-Id" example:"b3f1c2a4d5e6f708"`
	// Details are a few facts (query parameters, counts), never a secret.
	Details map[string]string `json:"details,omitempty" doc:"A few facts (query parameters, counts), never a secret" example:"{\"mode\":\"replace\"}"`
}

// Actor is who acted.
type Actor struct {
	// Kind is how they authenticated (platform.Kind: "admin_token",
	// "session", "app_user", "app"), "cli" for the command line, or
	// "anonymous".
	Kind     string `json:"kind" doc:"How they authenticated: admin_token, session, app_user, app; cli for the command line; anonymous" example:"session"`
	UserID   string `json:"user_id,omitempty" doc:"The user's id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Username string `json:"username,omitempty" doc:"The user's username" example:"jmueller"`
	AppID    string `json:"app_id,omitempty" doc:"The OAuth2 app's client id" example:"app_3f2a9c"`
}

// Actor kinds that are not platform kinds.
const (
	KindCLI       = "cli"
	KindAnonymous = "anonymous"
)

// ActorOf returns the actor of a principal.
func ActorOf(p platform.Principal) Actor {
	if p.Kind == "" {
		return Actor{Kind: KindAnonymous}
	}
	return Actor{Kind: string(p.Kind), UserID: p.UserID, Username: p.Username, AppID: p.AppID}
}

// matches reports whether the actor filter q names this actor: its kind,
// user id, username or app id.
func (a Actor) matches(q string) bool {
	return q == a.Kind || (q != "" && (q == a.UserID || q == a.Username || q == a.AppID))
}

// Object is what a change applies to.
type Object struct {
	Type string `json:"type,omitempty" doc:"The kind of object: contact, source, phone, user, app, campaign, …" example:"contact"`
	ID   string `json:"id,omitempty" doc:"The object's id (empty for a collection)" example:"01JEQ7G8ZK4M2N5P6R7S8T9V0W"`
}

// ResultOK is the result of a change that succeeded.
const ResultOK = "ok"

// entryKey is the entry's key: the time in nanoseconds as 16 hex digits
// (sorting as time does), then a sequence number against ties.
func entryKey(t time.Time, seq uint64) string {
	return fmt.Sprintf("%016x-%08x", uint64(t.UnixNano()), uint32(seq))
}

// timeKey is the first key at or after t.
func timeKey(t time.Time) string { return fmt.Sprintf("%016x", uint64(t.UnixNano())) }

// validKey reports whether k has entryKey's shape (cursors come from
// clients).
func validKey(k string) bool {
	a, b, ok := strings.Cut(k, "-")
	if !ok || len(a) != 16 || len(b) != 8 {
		return false
	}
	_, err1 := hex.DecodeString(a)
	_, err2 := strconv.ParseUint(b, 16, 32)
	return err1 == nil && err2 == nil
}
