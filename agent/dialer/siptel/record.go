package siptel

import (
	"context"
	"errors"
)

// record would record the bridged conversation under Config.RecordDir.
// The media session's contract (sip/media Session) has no way to tap a
// running call's decoded audio from outside (OnAudio is fixed when the
// user agent creates the session), so the SIP backend does not record:
// the call goes on unrecorded and the campaign reports the fault
// (dialer.ErrRecordingFailed), as aritel does when Asterisk cannot.
func (t *Telephony) record(ctx context.Context, callID string, customer, agent Media) error {
	if t.cfg.RecordDir == "" {
		return errors.New("the SIP backend records nowhere: no recordings directory is configured")
	}
	return errors.New("the SIP backend cannot record yet: the media session offers no audio tap")
}
