// Package sip holds pbxagent's SIP servers built on github.com/emiago/sipgo.
//
// RedirectServer is a carrier-style CNAM dip: an INVITE is answered with 302 Moved Temporarily
// whose Contact and P-Asserted-Identity carry the caller's display name. The package knows
// nothing of contacts: it asks a Resolver for the calling number's identity.
package sip
