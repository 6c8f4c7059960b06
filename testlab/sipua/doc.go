// Package sipua tests pbxagent's SIP user agent (sip/ua) against the real SIPp (Debian
// sip-tester, 3.6.1) on loopback: an Agent dials a SIPp trunk that plays a prompt from a pcap
// (play_pcap_audio) and gets the prompt back sample for sample after one G.711 round trip;
// SIPp calls an Agent, which hears SIPp's prompt and RFC 4733 digits, and whose own digits are
// checked in a tshark capture; and the figures of issue #23 (200 calls with RTP both ways, calls
// per second beside SIPp's own UAC) run as benchmarks, outside make test. See
// docs/sip-testing.md.
package sipua
