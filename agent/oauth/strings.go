package oauth

import "github.com/pbxagent/pbxagent/agent/platform"

// text holds every string the login, consent and error pages show, in one
// place (for review and, later, translation).
var text = struct {
	Product, LoginTitle, LoginLead, Username, Password, SignIn, LoginFailed,
	ConsentTitle, ConsentLead, ConsentSignedInAs, Allow, Deny, ConsentNote,
	ErrorTitle, BadClient, BadRedirect, MissingRedirect, Expired, Busy, Internal, BadForm string
	Scopes map[platform.Scope]string
}{
	Product:           "pbxagent",
	LoginTitle:        "Sign in",
	LoginLead:         "Sign in to continue to %s.",
	Username:          "Username",
	Password:          "Password",
	SignIn:            "Sign in",
	LoginFailed:       "Sign-in failed: wrong username or password, or too many attempts. Try again in a moment.",
	ConsentTitle:      "Allow %s to use your account?",
	ConsentLead:       "%s asks to:",
	ConsentSignedInAs: "Signed in as %s.",
	Allow:             "Allow",
	Deny:              "Deny",
	ConsentNote:       "The app never gets more than your account holds: if your rights change, so do its. An administrator can revoke its access at any time.",
	ErrorTitle:        "This request cannot go on",
	BadClient:         "The app that sent you here is not registered. Tell the app's provider.",
	BadRedirect:       "The app that sent you here gave a return address that is not registered for it, so you were not sent back. Tell the app's provider.",
	MissingRedirect:   "The app that sent you here did not say where to return, and it has several return addresses. Tell the app's provider.",
	Expired:           "This sign-in page has expired or was opened in another window. Go back to the app and start again.",
	Busy:              "Too many sign-ins are in progress. Try again in a minute.",
	Internal:          "Something went wrong on the server. Try again later.",
	BadForm:           "The form could not be read. Go back to the app and start again.",
	Scopes: map[platform.Scope]string{
		platform.ScopeContactsRead:  "Read your contacts and the company phone book",
		platform.ScopeContactsWrite: "Add, change and delete your contacts",
		platform.ScopeCalls:         "Place, answer and control your calls",
		platform.ScopePresence:      "See and set your presence",
		platform.ScopeChat:          "Read and send your chat messages",
		platform.ScopeCallGroups:    "Join and leave your call groups",
		platform.ScopeHotel:         "Manage hotel rooms and guests",
		platform.ScopeDialer:        "Use the outbound dialer",
		platform.ScopeAdmin:         "Administer the whole system, as you can",
	},
}
