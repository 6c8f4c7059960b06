package siptel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// errNoRecordingsDir is why a Join asked to record does not when
// Config.RecordingsDir is empty: the call goes on unrecorded and the
// campaign reports the fault (dialer.ErrRecordingFailed), as aritel does
// when Asterisk cannot record.
var errNoRecordingsDir = errors.New("sip_ua.recordings_dir is not set")

// recordingName is the file a Join of callID records into, named as
// aritel names the bridge recordings it asks Asterisk for; n > 1 for a
// call joined again.
func recordingName(callID string, n int) (string, error) {
	name := "dialer-" + callID
	if n > 1 {
		name += fmt.Sprintf("-%d", n)
	}
	name += ".wav"
	if !filepath.IsLocal(name) || strings.ContainsAny(name, `/\`+"\x00") {
		return "", fmt.Errorf("call id %q cannot name a recording file", callID)
	}
	return name, nil
}

// maxRecordingsPerCall bounds the files one call id may get.
const maxRecordingsPerCall = 20

// createRecording creates the recording file of callID in dir; an
// existing one (the call joined again) is kept and the next gets a
// numbered name.
func createRecording(dir, callID string) (*os.File, error) {
	if dir == "" {
		return nil, errNoRecordingsDir
	}
	for n := 1; n <= maxRecordingsPerCall; n++ {
		name, err := recordingName(callID, n)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o640)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sip_ua.recordings_dir: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("sip_ua.recordings_dir: %d recordings of call %s exist already", maxRecordingsPerCall, callID)
}
