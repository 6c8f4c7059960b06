package ua

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Config configures an Agent.
type Config struct {
	// ListenAddr is the host:port listened on for SIP over UDP and TCP
	// (port 0 picks one; Agent.Addr tells which).
	ListenAddr string
	// Transports are the transports listened on and used ("udp", "tcp");
	// empty means both. Outgoing requests use a target's ;transport=
	// parameter, else the first of these.
	Transports []string
	// ContactHost is the host written into Contact, Via and SDP when the
	// listen address is not what peers should use (a public address
	// behind NAT); empty uses the listen host.
	ContactHost string
	// MediaHost is the address RTP sockets bind to; empty uses the listen
	// host.
	MediaHost string
	// Ports is the RTP port range (media.NewPortRange).
	Ports *media.PortRange
	// OutboundProxy, when set ("sip:proxy.example.com:5060;transport=tcp"),
	// receives every out-of-dialog request whatever its Request-URI (RFC
	// 3261 section 8.1.2), with a Route header to it and ;lr.
	OutboundProxy string
	// Credentials answer a 401/407 challenge (RFC 2617/7616 digest) from
	// the realm of the trunk or PBX; nil answers none.
	Credentials func(realm string) (user, password string, ok bool)
	// UserAgent is the User-Agent and Server header value.
	UserAgent string
	// PayloadTypes are the audio payload types offered and accepted, in
	// order of preference; empty means PCMU (0) then PCMA (8).
	PayloadTypes []uint8
	// RingTimeout bounds how long an outgoing call rings before it is
	// cancelled; 0 means 60 s. A Dial's context can end it earlier.
	RingTimeout time.Duration
	// Allow are the source addresses whose INVITEs are taken (a trunk's
	// signalling addresses); phones registered to the Agent's Registrar
	// are taken from wherever they registered. Anyone else gets 403.
	Allow []netip.Prefix
	// OnInvite receives each new incoming call that passed Allow; it must
	// answer, reject or leave it (a call left alone is rejected 480 after
	// RingTimeout). Nil rejects every incoming call with 480.
	OnInvite func(in *Incoming)
	// Registrar, when set, takes REGISTER requests from agents' phones.
	Registrar *Registrar
	// Symmetric sends RTP to where the peer's RTP comes from (default on:
	// the zero value is turned on; set NoSymmetric to turn it off).
	NoSymmetric bool
	// OnMedia, when set, is called with each call's media configuration
	// (its Call-ID, from the dialog's goroutine) just before the call's
	// media.Session is created; it may set the callbacks OnDTMF, OnSpeech
	// and OnAudio, which the Agent leaves nil, or replace SendClock, RecvLoop
	// and ClockedPlayout (the benchmarks compare designs this way).
	OnMedia func(callID string, cfg *media.SessionConfig)
	// Clock paces media and timers; nil is the wall clock.
	Clock clock.Clock
	// Logger logs; nil discards.
	Logger *slog.Logger
}
