package config

import "time"

// SIPUA configures pbxagent's own SIP user agent (sip/ua,
// docs/sip-ua.md): calls over a plain SIP trunk without Asterisk, for
// the dialer's campaigns whose backend is "sip" and for click-to-call
// when calls.backend is "sip". Off while Addr is empty.
type SIPUA struct {
	// Addr is the host:port listened on for SIP (UDP and TCP); empty
	// turns the user agent off.
	Addr string `yaml:"addr"`
	// Transports are "udp" and/or "tcp"; empty means both.
	Transports []string `yaml:"transports"`
	// ContactHost is the address peers reach us on when it is not Addr's
	// host (behind NAT).
	ContactHost string `yaml:"contact_host"`
	// MediaHost is the address RTP binds to; empty: Addr's host.
	MediaHost string `yaml:"media_host"`
	// RTPPorts is the media port range, "min-max" (even start).
	RTPPorts string `yaml:"rtp_ports"`
	// OutboundProxy receives every out-of-dialog request when set.
	OutboundProxy string `yaml:"outbound_proxy"`
	// Trunk is the Request-URI template of calls to the outside world;
	// {number} is replaced by the dialled number
	// ("sip:{number}@trunk.example.com").
	Trunk string `yaml:"trunk"`
	// Username and Password answer the trunk's (or PBX's) digest
	// challenges. Set the password through PBXAGENT_SIP_UA_PASSWORD.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Registrar, when set, is registered to (a registration-based trunk);
	// AOR is the address of record (default sip:Username@registrar host).
	Registrar string        `yaml:"registrar"`
	AOR       string        `yaml:"aor"`
	Expires   time.Duration `yaml:"expires"`
	// Allow are the trunk's signalling addresses (IPs or CIDRs) whose
	// INVITEs are taken.
	Allow []string `yaml:"allow"`
	// KeepAlive is the OPTIONS interval towards the trunk; 0 turns it off.
	KeepAlive time.Duration `yaml:"keepalive"`
	// PhonesRealm, when set, turns on the registrar for agents' phones
	// (digest realm); phones register with their users' SIP credentials.
	PhonesRealm string `yaml:"phones_realm"`
	// SoundsDir holds the WAV prompts (8 kHz mono, 16-bit or G.711) that
	// media names refer to: "sound:name" plays <sounds_dir>/name.wav.
	SoundsDir string `yaml:"sounds_dir"`
	// HoldMusic is the WAV (a name in SoundsDir) played to waiting
	// customers; empty: a built-in tone.
	HoldMusic string `yaml:"hold_music"`
}
