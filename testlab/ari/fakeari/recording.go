package fakeari

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// recording is a live recording (res/res_stasis_recording.c). Its states
// are Asterisk's: queued, recording, paused, done, failed, canceled.
type recording struct {
	name, format, target string
	state                string
	cause                string
	muted                bool
	started              time.Time
	pausedAt             time.Time
	paused               time.Duration // total time spent paused
	recorded             time.Duration // set when it ends
	ended                bool
	timer                clock.Timer
}

// length is how much audio has been written by now: paused time is not
// recorded (AST_CONTROL_RECORD_SUSPEND stops writing frames).
func (rc *recording) length(now time.Time) time.Duration {
	if rc.ended {
		return rc.recorded
	}
	if rc.started.IsZero() {
		return 0
	}
	end := now
	if rc.state == "paused" {
		end = rc.pausedAt
	}
	return end.Sub(rc.started) - rc.paused
}

// snapshot is stasis_app_recording_to_json: duration only once
// ast_play_and_record_full has returned (it is -1 before), cause only on
// failure.
func (rc *recording) snapshot() ari.LiveRecording {
	lr := ari.LiveRecording{Name: rc.name, Format: rc.format, TargetURI: rc.target, State: rc.state, Cause: rc.cause}
	if rc.ended && rc.state != "failed" {
		lr.Duration = int(rc.recorded / time.Second)
	}
	return lr
}

// storedRec is a recording file in the spool (name -> format, length).
type storedRec struct {
	format string
	length time.Duration
}

// recordFormats are the formats the stand-in "has" (others: 422).
var recordFormats = []string{"wav", "wav16", "gsm", "ulaw", "alaw", "sln", "g722", "g729", "ogg"}

// recordDurationsCheck is ast_ari_channels_record's first check, before
// it looks at the channel.
func recordDurationsCheck(r *request) *response {
	bad := func(msg string) *response { x := fail(http.StatusBadRequest, msg); return &x }
	if atoiOr(r.q.Get("maxDurationSeconds"), 0) < 0 {
		return bad("max_duration_seconds cannot be negative")
	}
	if atoiOr(r.q.Get("maxSilenceSeconds"), 0) < 0 {
		return bad("max_silence_seconds cannot be negative")
	}
	return nil
}

// recordModesCheck validates terminateOn and ifExists (both record
// handlers, after finding the channel or bridge).
func recordModesCheck(r *request) *response {
	bad := func(msg string) *response { x := fail(http.StatusBadRequest, msg); return &x }
	switch r.q.Get("terminateOn") {
	case "", "none", "any", "*", "#":
	default:
		return bad("terminateOn invalid")
	}
	switch r.q.Get("ifExists") {
	case "", "fail", "overwrite", "append":
	default:
		return bad("ifExists invalid")
	}
	return nil
}

func (s *Server) startRecordingLocked(r *request, target string) response {
	name, format := r.q.Get("name"), r.q.Get("format")
	if name == "" {
		return fail(http.StatusBadRequest, "Recording name must be provided")
	}
	if format == "" {
		return fail(http.StatusBadRequest, "Format must be provided")
	}
	if !slices.Contains(recordFormats, format) {
		return fail(http.StatusUnprocessableEntity, "specified format is unknown on this system")
	}
	if s.noRecDir {
		// The recording directory is missing: the file cannot be opened.
		return fail(http.StatusInternalServerError, "Internal Server Error")
	}
	ifExists := r.q.Get("ifExists")
	_, stored := s.stored[name]
	if s.recs[name] != nil || stored && (ifExists == "" || ifExists == "fail") {
		return fail(http.StatusConflict, "Recording '"+name+"' already exists and can not be overwritten")
	}
	rc := &recording{name: name, format: format, target: target, state: "queued"}
	s.recs[name] = rc
	snap := rc.snapshot()
	max := atoiOr(r.q.Get("maxDurationSeconds"), 0)
	rc.timer = s.after(0, func() { s.runRecordingLocked(rc, max) })
	return created(snap)
}

// runRecordingLocked is record_file: the command the channel's control
// runs (while the channel is bridged too: stasis_app_exec in res_stasis.c
// dispatches commands then). A channel in a bridge cannot be recorded: the
// recording fails with Asterisk's cause; an unanswered channel is answered
// first.
func (s *Server) runRecordingLocked(rc *recording, max int) {
	if s.recs[rc.name] != rc || rc.state != "queued" {
		return
	}
	if kind, id, _ := strings.Cut(rc.target, ":"); kind == "channel" {
		c := s.channels[id]
		if c == nil {
			s.finishRecordingLocked(rc, "failed", "Failed to answer channel")
			return
		}
		if c.bridge != "" {
			s.finishRecordingLocked(rc, "failed", "Cannot record channel while in bridge")
			return
		}
		if c.state != ari.StateUp {
			c.answered = true
			s.stateLocked(c, ari.StateUp)
		}
	}
	rc.state = "recording"
	rc.started = s.now()
	s.emit(s.appsForTarget(rc.target), &ari.RecordingStarted{Header: ari.Header{Type: "RecordingStarted"}, Recording: rc.snapshot()})
	if max > 0 {
		rc.timer = s.after(time.Duration(max)*time.Second, func() { s.finishRecordingLocked(rc, "done", "") })
	}
}

// finishRecordingLocked ends a live recording: RecordingFinished (done,
// canceled) or RecordingFailed (with cause). Done recordings are stored.
func (s *Server) finishRecordingLocked(rc *recording, state, cause string) {
	if s.recs[rc.name] != rc {
		return
	}
	if rc.timer != nil {
		rc.timer.Stop()
	}
	if rc.state == "paused" {
		rc.paused += s.now().Sub(rc.pausedAt)
	}
	rc.recorded = rc.length(s.now())
	rc.ended = true
	rc.state, rc.cause = state, cause
	apps := s.appsForTarget(rc.target)
	snap := rc.snapshot()
	if state == "failed" {
		s.emit(apps, &ari.RecordingFailed{Header: ari.Header{Type: "RecordingFailed"}, Recording: snap})
	} else {
		s.emit(apps, &ari.RecordingFinished{Header: ari.Header{Type: "RecordingFinished"}, Recording: snap})
	}
	delete(s.recs, rc.name)
	if state == "done" {
		s.stored[rc.name] = storedRec{format: rc.format, length: rc.recorded}
	}
	if kind, id, _ := strings.Cut(rc.target, ":"); kind == "channel" {
		if c := s.channels[id]; c != nil && c.recording == rc.name {
			c.recording = ""
		}
	}
}

func (s *Server) hChannelRecord(r *request) response {
	if bad := recordDurationsCheck(r); bad != nil {
		return *bad
	}
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if bad := recordModesCheck(r); bad != nil {
		return *bad
	}
	// Asterisk accepts the request for a bridged channel (201, queued) and
	// the recording then fails: record_file in res_stasis_recording.c.
	resp := s.startRecordingLocked(r, "channel:"+c.id)
	if resp.status == http.StatusCreated && c.bridge == "" {
		c.recording = r.q.Get("name")
	}
	return resp
}

func (s *Server) hBridgeRecord(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	// ast_ari_bridges_record: the format, then the options.
	if f := r.q.Get("format"); f != "" && !slices.Contains(recordFormats, f) {
		return fail(http.StatusUnprocessableEntity, "specified format is unknown on this system")
	}
	if bad := recordModesCheck(r); bad != nil {
		return *bad
	}
	return s.startRecordingLocked(r, "bridge:"+b.id)
}

func (s *Server) hRecLive(r *request) response {
	rc := s.recs[r.p("recordingName")]
	if rc == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return ok(rc.snapshot())
}

// recOp is one recording operation (stasis_app_recording_operation).
type recOp int

const (
	recCancel recOp = iota
	recStop
	recPause
	recUnpause
	recMute
	recUnmute
)

// recordingOpLocked applies the operations table of res_stasis_recording.c:
// in "queued" only stop and cancel are valid (they discard the recording);
// in "recording" and "paused" everything is; anything else is 409
// "Recording not in session" (control_recording in resource_recordings.c).
func (s *Server) recordingOpLocked(name string, op recOp) response {
	rc := s.recs[name]
	if rc == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	notInSession := fail(http.StatusConflict, "Recording not in session")
	now := s.now()
	switch rc.state {
	case "queued":
		if op != recCancel && op != recStop {
			return notInSession
		}
		// recording_disregard: the command never starts recording.
		s.finishRecordingLocked(rc, "canceled", "")
	case "recording", "paused":
		switch op {
		case recCancel:
			s.finishRecordingLocked(rc, "canceled", "")
		case recStop:
			s.finishRecordingLocked(rc, "done", "")
		case recPause:
			if rc.state == "recording" {
				rc.state, rc.pausedAt = "paused", now
			}
		case recUnpause:
			if rc.state == "paused" {
				rc.paused += now.Sub(rc.pausedAt)
				rc.state = "recording"
			}
		case recMute:
			rc.muted = true
		case recUnmute:
			rc.muted = false
		}
	default:
		return notInSession
	}
	return noContent()
}

func recHandler(op recOp) handler {
	return func(s *Server, r *request) response { return s.recordingOpLocked(r.p("recordingName"), op) }
}

func (s *Server) hStoredList(_ *request) response {
	names := make([]string, 0, len(s.stored))
	for n := range s.stored {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ari.StoredRecording, 0, len(names))
	for _, n := range names {
		out = append(out, ari.StoredRecording{Name: n, Format: s.stored[n].format})
	}
	return ok(out)
}

func (s *Server) hStoredGet(r *request) response {
	f, found := s.stored[r.p("recordingName")]
	if !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return ok(ari.StoredRecording{Name: r.p("recordingName"), Format: f.format})
}

func (s *Server) hStoredDelete(r *request) response {
	if _, found := s.stored[r.p("recordingName")]; !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	delete(s.stored, r.p("recordingName"))
	return noContent()
}

func (s *Server) hStoredCopy(r *request) response {
	src, found := s.stored[r.p("recordingName")]
	if !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	dst := r.q.Get("destinationRecordingName")
	if _, exists := s.stored[dst]; exists {
		return fail(http.StatusConflict, "A recording with the same name already exists on the system")
	}
	if dst == "" || strings.Contains(dst, "..") || strings.HasPrefix(dst, "/") {
		return fail(http.StatusBadRequest, "Invalid destination recording name")
	}
	s.stored[dst] = src
	return ok(ari.StoredRecording{Name: dst, Format: src.format})
}

// maxFileLength caps the audio the stand-in synthesises for one file.
const maxFileLength = 10 * time.Minute

// hStoredFile is ast_ari_recordings_get_stored_file: the file itself with
// Content-Type "audio/<extension>". The stand-in's audio is silence of the
// recorded length: a RIFF/WAVE file (8 kHz, 16-bit mono) for wav, raw
// samples for other formats.
func (s *Server) hStoredFile(r *request) response {
	f, found := s.stored[r.p("recordingName")]
	if !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return response{status: http.StatusOK, body: rawBody{contentType: "audio/" + f.format, data: silence(f.format, f.length)}}
}

// rawBody is a non-JSON reply.
type rawBody struct {
	contentType string
	data        []byte
}

// silence renders length of silence in format.
func silence(format string, length time.Duration) []byte {
	length = min(max(length, 0), maxFileLength)
	const rate = 8000
	samples := int(length / (time.Second / rate))
	switch format {
	case "wav":
		return wavSilence(samples, rate)
	case "ulaw":
		return bytesOf(samples, 0xFF) // μ-law silence
	case "alaw":
		return bytesOf(samples, 0xD5) // A-law silence
	}
	return make([]byte, samples*2)
}

func bytesOf(n int, b byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// wavSilence is a canonical 44-byte-header PCM WAVE file.
func wavSilence(samples, rate int) []byte {
	data := samples * 2
	b := make([]byte, 44+data)
	le32 := func(off, v int) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le16 := func(off, v int) { b[off], b[off+1] = byte(v), byte(v>>8) }
	copy(b[0:], "RIFF")
	le32(4, 36+data)
	copy(b[8:], "WAVEfmt ")
	le32(16, 16)
	le16(20, 1) // PCM
	le16(22, 1) // mono
	le32(24, rate)
	le32(28, rate*2)
	le16(32, 2)
	le16(34, 16)
	copy(b[36:], "data")
	le32(40, data)
	return b
}

// FailRecording makes live recording name fail with cause, as Asterisk
// does when record_file cannot go on (recording_fail in
// res/res_stasis_recording.c: state "failed", RecordingFailed with the
// cause, no stored file). It reports whether the recording was live.
func (s *Server) FailRecording(name, cause string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := s.recs[name]
	if rc == nil {
		return false
	}
	s.finishRecordingLocked(rc, "failed", cause)
	return true
}

// LiveRecordingState returns the state of live recording name (queued,
// recording, paused); ok is false when there is none.
func (s *Server) LiveRecordingState(name string) (state string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc := s.recs[name]; rc != nil {
		return rc.state, true
	}
	return "", false
}

// StoredRecordings lists the names of the stored recordings, sorted.
func (s *Server) StoredRecordings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.stored))
	for n := range s.stored {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
