package calls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
)

// A call is recorded through its bridge (ARI bridges/{id}/record): the
// bridge mixes both parties, and Asterisk refuses to record a channel that
// is in a bridge (channels/{id}/record answers 201, then the recording
// fails with "Cannot record channel while in bridge": record_file in
// res/res_stasis_recording.c). Asterisk puts a Recorder channel in the
// bridge (ast_ari_bridges_record in res/ari/resource_bridges.c) and
// forwards its recording events to the bridge's subscribers. So only an
// answered call (up or held: its bridge holds both parties) can be
// recorded; no snoop channel is needed.

// RecordingState says whether a call is being recorded.
type RecordingState string

// Recording states of a call.
const (
	RecordingOff    RecordingState = "off"
	RecordingOn     RecordingState = "recording"
	RecordingPaused RecordingState = "paused"
)

// Actions of POST /api/v1/calls/{id}/record.
const (
	RecordStart  = "start"
	RecordPause  = "pause"
	RecordResume = "resume"
	RecordStop   = "stop"
)

// Recording event types, published on TopicCalls with the call.
const (
	EventRecordingStarted = "recording_started"
	EventRecordingPaused  = "recording_paused"
	EventRecordingResumed = "recording_resumed"
	EventRecordingStopped = "recording_stopped"
	EventRecordingFailed  = "recording_failed"
)

// RecordingFormat is the format of the calls' recordings (8 kHz 16-bit
// mono WAVE).
const RecordingFormat = "wav"

// ErrBadAction is an unknown record action.
var ErrBadAction = errors.New("must be start, pause, resume or stop")

// RecordingInfo describes a recording the engine starts.
type RecordingInfo struct {
	// Name is the recording's name in Asterisk: "<call id>-<n>".
	Name      string
	Format    string
	CallID    string
	UserID    string
	Direction Direction
	From      string
	FromName  string
	To        string
	ToName    string
	StartedAt time.Time
}

// RecordingEnd says how a recording ended.
type RecordingEnd struct {
	Name string
	// Failed: Asterisk could not record (RecordingFailed, or the start
	// was refused); there is no file.
	Failed bool
	// Cause is Asterisk's cause of a failure.
	Cause string
	// Duration is the audio recorded (pauses excluded); 0 when unknown.
	Duration time.Duration
	// Final is set when Asterisk reported the end (RecordingFinished or
	// RecordingFailed): the file, if any, is complete.
	Final bool
	// EndedAt is when it ended.
	EndedAt time.Time
}

// RecordingSink keeps what is known of the recordings (agent/recordings).
// RecordingStarted is called before Asterisk is asked to record: an error
// refuses the start. RecordingEnded may be called twice for one recording
// (when the engine stops it, then when Asterisk reports the end); it must
// not block for long.
type RecordingSink interface {
	RecordingStarted(ctx context.Context, info RecordingInfo) error
	RecordingEnded(ctx context.Context, end RecordingEnd)
}

// WithRecordings sets where the recordings' metadata goes (default:
// nowhere; the calls are recorded all the same).
func WithRecordings(s RecordingSink) Option { return func(e *Engine) { e.rec.sink = s } }

// WithRecordingBeep makes Asterisk play a beep into the call when a
// recording starts.
func WithRecordingBeep(on bool) Option { return func(e *Engine) { e.rec.beep = on } }

// WithRecordAll records every call as soon as it is answered (the user
// may stop and restart the recording).
func WithRecordAll(on bool) Option { return func(e *Engine) { e.rec.all = on } }

// recConfig is the engine's recording part. names is guarded by
// Engine.mu.
type recConfig struct {
	sink  RecordingSink
	beep  bool
	all   bool
	names map[string]string // live recording name -> call id
}

// callRec is a session's recording state. Guarded by Engine.mu.
type callRec struct {
	seq      int      // recordings started, for the next name
	starting bool     // a start is on its way to Asterisk
	live     *liveRec // the recording in progress
}

// liveRec is a recording in progress.
type liveRec struct {
	name string
	// sip is the bridge's recording of a call over SIP; nil through ARI.
	sip       *sipRec
	started   time.Time
	pausedAt  time.Time // zero while recording
	pausedFor time.Duration
}

// length is the audio recorded by now.
func (r *liveRec) length(now time.Time) time.Duration {
	end := now
	if !r.pausedAt.IsZero() {
		end = r.pausedAt
	}
	return max(end.Sub(r.started)-r.pausedFor, 0)
}

// Record starts, pauses, resumes or stops the recording of a call.
func (e *Engine) Record(ctx context.Context, v Viewer, id, action string) (Call, error) {
	switch action {
	case RecordStart:
		return e.startRecording(ctx, v, id)
	case RecordPause, RecordResume:
		return e.pauseRecording(ctx, v, id, action == RecordPause)
	case RecordStop:
		return e.stopRecording(ctx, v, id)
	}
	return Call{}, fmt.Errorf("%w: %q", ErrBadAction, action)
}

// recState is the call's recording field as the API shows it. Called
// with mu.
func recState(s *session) RecordingState {
	switch {
	case s.rec.live == nil:
		return RecordingOff
	case !s.rec.live.pausedAt.IsZero():
		return RecordingPaused
	}
	return RecordingOn
}

// autoRecord starts recording a call just answered when every call is
// recorded (WithRecordAll).
func (e *Engine) autoRecord(ctx context.Context, id string) {
	if !e.rec.all {
		return
	}
	if _, err := e.startRecording(ctx, Viewer{All: true}, id); err != nil && !errors.Is(err, ErrState) {
		e.log.Warn("calls: record the call", "call", id, "err", err)
	}
}

func (e *Engine) startRecording(ctx context.Context, v Viewer, id string) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	switch {
	case s.call.State != StateUp && s.call.State != StateHeld:
		st := s.call.State
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call is %s; a call is recorded once it is answered", ErrState, st)
	case s.rec.live != nil || s.rec.starting:
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call is already being recorded", ErrState)
	case s.xfer != "":
		// An attended transfer's consultation happens in another bridge:
		// the call's bridge holds the transferee with music on hold.
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: a transfer is in progress (complete or cancel it first)", ErrState)
	case s.sip != nil && e.sip.recDir == "":
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: no folder for the recordings (sip_ua.recordings_dir)", ErrNotOnSIP)
	case s.sip != nil && s.sip.br == nil, s.sip == nil && s.bridge == "":
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call has no bridge to record", ErrState)
	}
	var sipBr SIPBridge
	if s.sip != nil {
		sipBr = s.sip.br
	}
	s.rec.seq++
	s.rec.starting = true
	name := id + "-" + strconv.Itoa(s.rec.seq)
	bridge := s.bridge
	info := RecordingInfo{Name: name, Format: RecordingFormat, CallID: id, UserID: s.call.UserID, Direction: s.call.Direction,
		From: s.call.From, FromName: s.call.FromName, To: s.call.To, ToName: s.call.ToName, StartedAt: e.clk.Now()}
	e.mu.Unlock()
	fail := func(err error) (Call, error) {
		e.mu.Lock()
		s.rec.starting = false
		e.mu.Unlock()
		return Call{}, err
	}
	if e.rec.sink != nil {
		if err := e.rec.sink.RecordingStarted(ctx, info); err != nil {
			return fail(fmt.Errorf("calls: record %s: %w", id, err))
		}
	}
	var sr *sipRec
	if sipBr != nil {
		sr, err = e.startSIPRecording(sipBr, name)
	} else {
		_, err = e.cli.Bridges().Record(ctx, bridge, ari.RecordRequest{Name: name, Format: RecordingFormat, IfExists: "fail", Beep: e.rec.beep})
	}
	if err != nil {
		if e.rec.sink != nil {
			e.rec.sink.RecordingEnded(context.WithoutCancel(ctx), RecordingEnd{Name: name, Failed: true, Cause: err.Error(), Final: true, EndedAt: e.clk.Now()})
		}
		if ari.IsNotFound(err) {
			err = fmt.Errorf("%w: the call's bridge is gone", ErrState)
		}
		return fail(fmt.Errorf("calls: record %s: %w", id, err))
	}
	e.mu.Lock()
	s.rec.starting = false
	if s.call.State == StateEnded {
		// Ended while the request was on its way: end() found nothing
		// to stop.
		if e.rec.names == nil {
			e.rec.names = map[string]string{}
		}
		e.rec.names[name] = id
		e.mu.Unlock()
		e.endRecording(ctx, &endedRec{name: name, at: e.clk.Now(), sip: sr}, Call{})
		return Call{}, fmt.Errorf("%w: the call has ended", ErrState)
	}
	if e.rec.names == nil {
		e.rec.names = map[string]string{}
	}
	e.rec.names[name] = id
	s.rec.live = &liveRec{name: name, started: info.StartedAt, sip: sr}
	s.call.Recording = RecordingOn
	s.call.Recordings = append(slices.Clip(s.call.Recordings), name)
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventRecordingStarted, c), callEvent(EventUpdated, c))
	return c, nil
}

func (e *Engine) pauseRecording(ctx context.Context, v Viewer, id string, pause bool) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	from := RecordingOn
	if !pause {
		from = RecordingPaused
	}
	if st := recState(s); st != from {
		e.mu.Unlock()
		return Call{}, recStateErr(st, pause)
	}
	lr := s.rec.live
	e.mu.Unlock()
	if err := e.pauseOp(ctx, lr, pause); err != nil {
		switch {
		case ari.IsConflict(err): // "Recording not in session": queued
			return Call{}, fmt.Errorf("%w: the recording has not started yet; try again", ErrState)
		case ari.IsNotFound(err):
			return Call{}, fmt.Errorf("%w: the recording has ended", ErrState)
		}
		return Call{}, fmt.Errorf("calls: pause or resume the recording of %s: %w", id, err)
	}
	e.mu.Lock()
	if s.rec.live != lr || recState(s) != from {
		st := recState(s)
		e.mu.Unlock()
		return Call{}, recStateErr(st, pause)
	}
	now := e.clk.Now()
	typ := EventRecordingPaused
	if pause {
		lr.pausedAt = now
	} else {
		lr.pausedFor += now.Sub(lr.pausedAt)
		lr.pausedAt = time.Time{}
		typ = EventRecordingResumed
	}
	s.call.Recording = recState(s)
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(typ, c), callEvent(EventUpdated, c))
	return c, nil
}

// pauseOp pauses or resumes a recording in Asterisk, or the bridge's of
// a call over SIP.
func (e *Engine) pauseOp(ctx context.Context, lr *liveRec, pause bool) error {
	if lr.sip != nil {
		return lr.sip.br.PauseRecording(pause)
	}
	recs := e.cli.Recordings()
	op := recs.Pause
	if !pause {
		op = recs.Unpause
	}
	return op(ctx, lr.name)
}

// recStateErr is the 409 of a pause (or resume) in recording state st.
func recStateErr(st RecordingState, pause bool) error {
	switch {
	case st == RecordingOff:
		return fmt.Errorf("%w: the call is not being recorded", ErrState)
	case pause && st == RecordingPaused:
		return fmt.Errorf("%w: the recording is already paused", ErrState)
	case !pause && st == RecordingOn:
		return fmt.Errorf("%w: the recording is not paused", ErrState)
	}
	return fmt.Errorf("%w: the recording is %s", ErrState, st)
}

func (e *Engine) stopRecording(ctx context.Context, v Viewer, id string) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	lr := s.rec.live
	if lr != nil && lr.sip != nil {
		// The bridge's recording ends with its call's: no report from
		// elsewhere to wait for.
		ended := e.clearRecordingLocked(s)
		c := snapshot(s)
		t := e.ticket(s)
		e.mu.Unlock()
		e.recordingStopped(ctx, t, ended, c)
		return c, nil
	}
	e.mu.Unlock()
	if lr == nil {
		return Call{}, fmt.Errorf("%w: the call is not being recorded", ErrState)
	}
	if err := e.cli.Recordings().Stop(ctx, lr.name); err != nil && !ari.IsNotFound(err) {
		if ari.IsConflict(err) {
			return Call{}, fmt.Errorf("%w: the recording has not started yet; try again", ErrState)
		}
		return Call{}, fmt.Errorf("calls: stop the recording of %s: %w", id, err)
	}
	e.mu.Lock()
	if s.rec.live != lr {
		// Asterisk reported the end first, and published it; the sink
		// is told here too, so that the recording is done when the
		// answer goes out.
		c := snapshot(s)
		now := e.clk.Now()
		d := lr.length(now)
		e.mu.Unlock()
		if e.rec.sink != nil {
			e.rec.sink.RecordingEnded(context.WithoutCancel(ctx), RecordingEnd{Name: lr.name, Duration: d, EndedAt: now})
		}
		return c, nil
	}
	ended := e.clearRecordingLocked(s)
	c := snapshot(s)
	t := e.ticket(s)
	e.mu.Unlock()
	e.recordingStopped(ctx, t, ended, c)
	return c, nil
}

// endedRec is a recording the engine took off its call.
type endedRec struct {
	name     string
	duration time.Duration
	at       time.Time
	// sip is the bridge's recording of a call over SIP, still to stop.
	sip *sipRec
}

// clearRecordingLocked takes the live recording off its call. Called
// with mu; s.rec.live must be set.
func (e *Engine) clearRecordingLocked(s *session) *endedRec {
	lr := s.rec.live
	now := e.clk.Now()
	s.rec.live = nil
	s.call.Recording = RecordingOff
	return &endedRec{name: lr.name, duration: lr.length(now), at: now, sip: lr.sip}
}

// recordingStopped tells the sink, then publishes recording_stopped (and
// call_updated while the call lives) on t, taken when the recording was
// taken off the call.
func (e *Engine) recordingStopped(ctx context.Context, t *ticket, r *endedRec, c Call) {
	e.tellStopped(ctx, r)
	t.publish(ctx, recordingEvents(EventRecordingStopped, c)...)
}

// tellStopped stops the recording of a call over SIP and tells the sink
// how r ended.
func (e *Engine) tellStopped(ctx context.Context, r *endedRec) {
	end := e.stopEnded(r)
	if e.rec.sink != nil {
		e.rec.sink.RecordingEnded(context.WithoutCancel(ctx), end)
	}
}

// recordingEvents are the events of a recording's end (typ): typ, and
// call_updated while the call lives.
func recordingEvents(typ string, c Call) []publication {
	evs := []publication{callEvent(typ, c)}
	if c.State != StateEnded {
		evs = append(evs, callEvent(EventUpdated, c))
	}
	return evs
}

// stopEnded stops the bridge's recording of a call over SIP (its file is
// then complete: the end is final) and says how the recording ended.
func (e *Engine) stopEnded(r *endedRec) RecordingEnd {
	end := RecordingEnd{Name: r.name, Duration: r.duration, EndedAt: r.at}
	if r.sip == nil {
		return end
	}
	end.Final = true
	if err := r.sip.stop(); err != nil {
		e.log.Warn("calls: the recording of a call over SIP failed", "recording", r.name, "err", err)
		end.Failed, end.Cause = true, err.Error()
	}
	return end
}

// endRecordingLocked, from end(), takes the call's recording off it: nil
// when it has none. Called with mu.
func (e *Engine) endRecordingLocked(s *session) *endedRec {
	if s.rec.live == nil {
		return nil
	}
	return e.clearRecordingLocked(s)
}

// endRecording, from end() before the legs are hung up, stops a
// recording of an ending call while its bridge still stands (so that
// Asterisk reports RecordingFinished to the bridge's subscribers) and
// answers the events to publish, recording_stopped with the ended call
// (none when c has no id: the start lost the race with the end).
func (e *Engine) endRecording(ctx context.Context, r *endedRec, c Call) []publication {
	if r == nil {
		return nil
	}
	if r.sip == nil {
		if err := e.cli.Recordings().Stop(context.WithoutCancel(ctx), r.name); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: stop the recording of an ended call", "recording", r.name, "err", err)
		}
	}
	e.tellStopped(ctx, r)
	if c.ID == "" {
		return nil
	}
	return recordingEvents(EventRecordingStopped, c)
}

// recordingEvent follows Asterisk's report of a recording's end: a
// recording Asterisk stopped by itself is taken off its call
// (recording_stopped), one that failed too (recording_failed); the name
// of one that failed or was canceled (stopped before it started) leaves
// the call's recordings: there is no file.
func (e *Engine) recordingEvent(ctx context.Context, lr ari.LiveRecording, failed bool) {
	e.mu.Lock()
	id, ok := e.rec.names[lr.Name]
	if !ok {
		e.mu.Unlock()
		return // not a call's recording
	}
	delete(e.rec.names, lr.Name)
	// A recording stopped before it started is canceled
	// (recording_disregard in res_stasis_recording.c): no file either.
	noFile := failed || lr.State == "canceled"
	s := e.calls[id]
	var ended *endedRec
	var c Call
	var t *ticket
	if s != nil {
		if s.rec.live != nil && s.rec.live.name == lr.Name {
			ended = e.clearRecordingLocked(s)
		}
		if noFile {
			s.call.Recordings = slices.DeleteFunc(slices.Clone(s.call.Recordings), func(n string) bool { return n == lr.Name })
		}
		c = snapshot(s)
		t = e.ticket(s)
	}
	e.mu.Unlock()
	if e.rec.sink != nil {
		e.rec.sink.RecordingEnded(ctx, RecordingEnd{Name: lr.Name, Failed: noFile, Cause: lr.Cause,
			Duration: time.Duration(lr.Duration) * time.Second, Final: true, EndedAt: e.clk.Now()})
	}
	if s == nil {
		return
	}
	var evs []publication
	switch {
	case failed:
		e.log.Warn("calls: recording failed", "call", id, "recording", lr.Name, "cause", lr.Cause)
		evs = recordingEvents(EventRecordingFailed, c)
	case ended != nil:
		evs = recordingEvents(EventRecordingStopped, c)
	case noFile && c.State != StateEnded:
		evs = []publication{callEvent(EventUpdated, c)} // its name left the recordings
	}
	t.publish(ctx, evs...)
}

// RecordInput is the body of POST /api/v1/calls/{id}/record.
type RecordInput struct {
	Action string `json:"action" openapi:"enum=start|pause|resume|stop" doc:"start a recording of the call, pause or resume it, or stop it" example:"start"`
}

func (h *Handler) record(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in RecordInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	c, err := h.eng.Record(r.Context(), viewer(r), r.PathValue("id"), in.Action)
	if errors.Is(err, ErrBadAction) {
		platform.WriteErr(w, r, platform.Invalid("invalid action", platform.FieldError{Field: "action", Message: ErrBadAction.Error()}))
		return
	}
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, c)
}

// recordRoute is POST /api/v1/calls/{id}/record.
func (h *Handler) recordRoute() platform.Route {
	return platform.Route{Method: "POST", Path: "/api/v1/calls/{id}/record", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(h.record),
		Op: platform.Operation{
			ID:      "recordCall",
			Summary: "Start, pause, resume or stop recording a call",
			Description: "Records the call's bridge (both parties, mixed) into a WAVE file named `<call id>-<n>`, listed at " +
				"GET /api/v1/recordings. The call must be up or held to start; 409 when the recording's state does not " +
				"allow the action (start while recording, pause while not recording, resume while not paused, stop " +
				"while not recording). A recording stops when the call ends. Publishes recording_started, " +
				"recording_paused, recording_resumed or recording_stopped (recording_failed if Asterisk fails it), " +
				"each followed by call_updated.",
			Params: []platform.Param{idParam}, Request: body("the action", RecordInput{}),
			Responses: map[int]platform.Body{200: resp("the call", Call{}), 400: errBody, 404: errBody, 409: errBody, 415: errBody, 502: errBody}}}
}
