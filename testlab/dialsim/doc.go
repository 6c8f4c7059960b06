// Package dialsim is a discrete-event simulation of outbound campaigns: it
// runs the real dialer (agent/dialer: pacing, agent state machine,
// compliance, call flow) on a virtual clock against simulated customers
// (a stylised model, written down in FIGURES.md: answer with probability p
// after U(5,25) s of ringing, else no answer at the dial timeout; talk
// Exp(mean)), and checks
// the rules independently of the dialer: ring time, calling window,
// do-not-call, 72-hour redials, channel cap, time to agent. The dialer
// runs against that model in process (Run), through ARI and the Asterisk
// stand-in (RunARI), or through its SIP telephony and a real SIP user
// agent against simulated customers as a SIP UAS with RTP (RunSIP).
package dialsim
