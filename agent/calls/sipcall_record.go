package calls

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Recording a call over SIP: the bridge between the user's leg and the
// destination's (SIPBridge) writes what it relays into a WAV file of its
// own, 8 kHz 16-bit stereo (the user left, the destination right), in the
// folder WithSIPRecordings names, as "<call id>-<n>.wav": the same name
// and metadata as a recording through ARI, so the recordings feature
// lists and serves both alike. Paused time is left out of the file, as
// Asterisk leaves it out of its own.

// WithSIPRecordings sets the folder where the recordings of calls over
// SIP are written; without one they cannot be recorded (ErrNotOnSIP).
func WithSIPRecordings(dir string) Option { return func(e *Engine) { e.sip.recDir = dir } }

// SIPRecordingPath is the file of the recording name of a call over SIP
// in dir.
func SIPRecordingPath(dir, name string) string {
	return filepath.Join(dir, name+"."+RecordingFormat)
}

// sipRec is a recording of a call over SIP: its bridge's and its file.
type sipRec struct {
	br SIPBridge
	f  *os.File
}

// startSIPRecording creates the recording's file and starts the bridge
// writing into it.
func (e *Engine) startSIPRecording(br SIPBridge, name string) (*sipRec, error) {
	path := SIPRecordingPath(e.sip.recDir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create the recording's file: %w", err)
	}
	if err := br.StartRecording(f); err != nil {
		return nil, errors.Join(err, f.Close(), os.Remove(path))
	}
	return &sipRec{br: br, f: f}, nil
}

// stop ends the recording: the bridge writes the rest out and fixes the
// WAV header, and the file is closed.
func (r *sipRec) stop() error {
	return errors.Join(r.br.StopRecording(), r.f.Close())
}
