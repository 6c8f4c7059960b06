// Package siptel implements dialer.Telephony on pbxagent's own SIP user
// agent (sip/ua), for campaigns whose backend is "sip": customer legs are
// dialled over the trunk, each agent's phone is called once at login and
// kept up (sending silence) between calls, and joining a customer is a
// relay of RTP between the two calls (media.BridgeSessions). Hold media,
// messages and the ringback tone are played by pbxagent itself. Events
// follow aritel's contract (see docs/dialer-sip.md).
package siptel
