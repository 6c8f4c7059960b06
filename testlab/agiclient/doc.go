// Package agiclient is an Asterisk-like FastAGI client for tests and load: it connects the way
// res_agi.c does, sends the agi_* block exactly as Asterisk 22 prints it (notes callerid.md §1.2,
// §7), answers commands like a channel would (200/510/511/520, dead-channel mode), injects HANGUP
// lines and garbage on request, sends the trailing HANGUP after the server closes, and reports
// the AGISTATUS the dialplan would see.
package agiclient
