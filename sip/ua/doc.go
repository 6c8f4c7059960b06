// Package ua is pbxagent's SIP user agent on github.com/emiago/sipgo: it
// places and takes calls (INVITE with an SDP offer and answer, digest
// authentication, CANCEL, BYE), holds and resumes them by re-INVITE,
// transfers them by REFER, registers to a trunk or PBX and keeps the
// registration fresh, accepts the registrations of agents' phones, pings
// peers with OPTIONS, and gives each call its RTP media (sip/media). It
// speaks UDP and TCP, with rport (RFC 3581) and symmetric RTP for peers
// behind NAT. A call is a session object (Call) that ends once; every
// goroutine it starts ends with it. See docs/sip-ua.md.
package ua
