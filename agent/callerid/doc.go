// Package callerid answers "who is calling?" on the call path for every front end pbxagent offers:
// HTTP for Asterisk's CURL(), a FastAGI server, the ARI Stasis app (wired by the daemon) and a SIP
// redirect server (package sip, fed through an adapter here).
//
// Every path goes through Service.Resolve, which skips withheld numbers, bounds the directory lookup
// with a per-request deadline and fails open: on error or timeout the caller keeps the name it had.
// Facts: docs/asterisk.md (Sources).
package callerid
