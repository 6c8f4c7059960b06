// Package agent is the pbxagent daemon: it opens the contact store and
// composes the admin API, the desk-phone endpoints, the caller-ID front ends
// (HTTP, FastAGI, SIP redirect, ARI Stasis app), the sync engine and the
// dialer behind one configuration, and starts and stops them gracefully.
package agent
