// Package calls is the calls engine: users' calls placed and followed
// through pbxagent's own Stasis application (ari.calls_app). A call is a
// session with a small state machine (dialing → ringing → up ↔ held →
// ended, with a Q.850 cause) owned by one user. Click-to-call rings the
// user's device first (asking it to answer by itself where the phone
// honours it), dials the destination when that leg answers, bridges both
// and follows the call to its end. Calls the dialplan sends to the
// application (Stasis(app,internal|inbound|outbound,NUMBER), inbound.go)
// ring the called user's devices, all at once or in order, and are
// bridged on answer; a caller nobody answers goes back to the dialplan at
// a label, never dropped. Every change is published to a
// Publisher (the events hub) for the call's owner. After a reconnect or a
// restart the engine hangs up what an earlier run left in the application.
//
// Transfers (transfer*.go): blind and attended transfers of a call's
// destination, started through the API or by the user's phone (SIP REFER
// reported as ChannelTransfer with PJSIP_TRANSFER_HANDLING(ari-only), or
// Asterisk's own blind transfer, BridgeBlindTransfer), with their own
// state machine (starting → ringback → answered → completed | cancelled |
// abandoned), kept in a TransferStore so that a later run completes or
// cleans up what an earlier one left.
package calls
