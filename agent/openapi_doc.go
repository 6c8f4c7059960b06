package agent

import (
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
)

// componentDocs describe each component in the OpenAPI document (its
// tag); TestOpenAPIDocumentsEveryField fails on a component without one.
var componentDocs = map[string]string{
	"system":     "Liveness, readiness, Prometheus metrics and this document.",
	"users":      "People who sign in: login and logout (session cookie), one's own account, and the users an administrator manages.",
	"oauth":      "The OAuth2 authorization server (authorization code with PKCE, client credentials, refresh, revocation) and the apps registered with it.",
	"cors":       "The browser origins allowed to call the API (CORS).",
	"audit":      "The audit log: who changed what, when, and with what result.",
	"contacts":   "The phone book: contacts (global and personal), search, reverse lookup, and the Central Phone Book CSV import, export and template.",
	"sources":    "Directory sync sources (Microsoft 365, custom HTTP, SQL, CSV by URL): settings, status, runs, test, trigger and erase.",
	"phones":     "Desk phones: registration, provisioning files and vendor phone books (the phone endpoints authenticate phones themselves).",
	"callerid":   "Caller name for Asterisk's CURL() dialplan function.",
	"dialer":     "The outbound dialer (needs ARI): campaigns, leads, do-not-call list, agents and the live state stream.",
	"events":     "The events WebSocket: live events of calls, presence, chat, call groups, hotel and the dialer, by topic, with resume after a reconnect (docs/events.md).",
	"calls":      "Users' calls over ARI (needs ARI): click-to-call, live calls, hang-up, hold and resume, DTMF.",
	"chat":       "Chat between users: one-to-one and group rooms, messages with paging and search, read and delivered receipts, typing; events on the socket (topic chat).",
	"recordings": "Recordings of users' calls (needs ARI): list, metadata, audio download and deletion; kept for recordings.retention.",
	"presence":   "Who is available: the state users set (available, away, dnd honoured by the PBX), clients online, devices registered, call state, rosters and shared locations (docs/presence.md).",
	"wallboard":  "Call-centre wallboards (docs/callgroups.md): the groups and agents each shows, SLA settings, the wall TV's read-only token, the board's data in one answer, and the full-screen page /wallboard/.",
	"callgroups": "Call groups (an ACD in the calls Stasis application): groups and their configuration, members with their live state, joining, leaving and pausing, waiting and answered calls, daily statistics per group and member; events on the socket (topic callgroups; docs/callgroups.md).",
	"hotel":      "The hotel manager (docs/hotel.md): rooms and room groups, check-in, check-out and moves, housekeeping, DND, message light and class of service, wake-up calls, rate tables and bills (JSON or CSV), the PMS link's state; events on the socket (topic hotel). Configuration is for administrators; operating rooms needs the ability hotel_admin.",
	"console":    "The web console's page (/) and its static files under /public/, the JavaScript client (pbxagent.js) and its TypeScript declarations among them.",
}

// docDescription is info.description of the OpenAPI document.
const docDescription = "pbxagent's HTTP API: the phone book, sync sources, phones, users, OAuth2 apps and the dialer.\n\n" +
	"Errors are JSON: `{\"error\":{\"code\",\"message\",\"details\":[{\"field\",\"message\"}],\"request_id\"}}`; " +
	"`details` names each field, parameter or line at fault, and `request_id` (also in the `X-Request-Id` header) finds the request's log line. " +
	"See docs/api.md."

// openAPIInfo is what the OpenAPI document says beyond the routes.
func openAPIInfo() httpx.DocInfo {
	scopes := make(map[platform.Scope]string, len(platform.AppScopes))
	for _, s := range platform.AppScopes {
		scopes[s] = s.Description()
	}
	return httpx.DocInfo{
		Version: Version, Description: docDescription, Tags: componentDocs,
		SessionCookie: users.CookieName, CSRFHeader: users.CSRFHeader,
		AuthorizePath: "/oauth/authorize", TokenPath: "/oauth/token",
		Scopes: scopes,
	}
}
