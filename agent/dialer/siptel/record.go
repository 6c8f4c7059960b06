package siptel

import "errors"

// errNoRecording is why a Join asked to record does not: the media
// session's contract (sip/media Session) gives no access to a running
// call's decoded audio from outside (OnAudio is fixed when the user agent
// creates the session, and a bridged session feeds it nothing), so the
// SIP backend does not record. The call goes on unrecorded and the
// campaign reports the fault (dialer.ErrRecordingFailed), as aritel does
// when Asterisk cannot record.
var errNoRecording = errors.New("the SIP backend cannot record calls: the media session offers no audio tap")
