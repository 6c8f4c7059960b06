// Package cti drives desk phones remotely over their own HTTP control
// interfaces ("action URIs"): answer a ringing call, hang up, hold, send
// DTMF and dial, where the vendor documents a way to do it.
//
// It holds no telephony state: a Phone is one phone's address and
// credentials bound to its vendor's Driver, and each method is one bounded
// HTTP request. Capabilities say, before trying, which actions a vendor's
// driver can do; an action outside them fails with ErrUnsupported without
// touching the network. Every failure is an *Error naming the phone, the
// vendor, the action and its Kind: no address known, unreachable, the
// phone refused the credentials, or the phone said no.
//
// The request forms and key names follow each vendor's public
// documentation; docs/phones.md ("Remote control (CTI)") lists them with
// their sources, and which actions were left off because no public source
// confirms them.
package cti
