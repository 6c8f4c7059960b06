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
// Events (lanes.go): a call is a session that owns its order. Run hands
// each ARI event to one of DefaultLanes workers chosen by the event's call
// (the ids the engine makes start with the call id; a call from the
// dialplan gets an id in its caller channel's lane), so one call's events
// are handled in the order Asterisk sent them while other calls' go on in
// parallel: a REST request that waits delays only its own call. Events of
// transfers (which tie channels of two calls together) and the
// reconciliation after a (re)connection run alone, once every worker is
// idle. A call's state changes are published before the slow clean-up
// (call_ended before the hang-ups and the bridge's destruction), and in
// the order they were made whichever goroutines made them (outbox.go: a
// ticket taken with the change, under the engine's lock; one call's
// events delivered in ticket order).
//
// Transfers (transfer*.go): blind and attended transfers of a call's
// destination, started through the API or by the user's phone (SIP REFER
// reported as ChannelTransfer with PJSIP_TRANSFER_HANDLING(ari-only), or
// Asterisk's own blind transfer, BridgeBlindTransfer), with their own
// state machine (starting → ringback → answered → completed | cancelled |
// abandoned), kept in a TransferStore so that a later run completes or
// cleans up what an earlier one left.
package calls
