package siptel

import (
	"log/slog"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
)

// Config configures a Telephony.
type Config struct {
	// SoundsDir holds the WAV prompts: media "sound:NAME" plays
	// <SoundsDir>/NAME.wav (8 kHz mono, 16-bit or G.711).
	SoundsDir string
	// HoldMusic is the WAV (a name in SoundsDir, with or without ".wav")
	// looped to customers held with music; empty or unreadable: the
	// ringback tone instead (logged once).
	HoldMusic string
	// RecordingsDir is where Join(record) writes its recordings,
	// dialer-<call id>.wav (the name aritel gives Asterisk's): 8 kHz 16-bit
	// stereo WAV, the customer left, the agent right. Empty: the SIP
	// backend does not record (Join reports dialer.ErrRecordingFailed).
	RecordingsDir string
	// AgentFrom is the caller (From user part) shown on agents' phones
	// when their leg is called; default "dialer".
	AgentFrom string
	// AMD tunes the answering-machine heuristic; AMDTimeout bounds it
	// (default 5 s, Asterisk's app_amd totalAnalysisTime): a call still
	// undecided then is reported NOTSURE.
	AMD        media.AMDConfig
	AMDTimeout time.Duration
	// HangupTimeout bounds a BYE's wait for its answer (default 5 s).
	HangupTimeout time.Duration
	// Logger logs; nil: slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.AgentFrom == "" {
		c.AgentFrom = "dialer"
	}
	if c.AMDTimeout <= 0 {
		c.AMDTimeout = 5 * time.Second
	}
	if c.HangupTimeout <= 0 {
		c.HangupTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
