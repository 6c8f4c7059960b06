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

type playback struct {
	id     string
	media  []string
	idx    int
	target string // channel:ID or bridge:ID
	lang   string
	state  string
	timer  clock.Timer
}

func (p *playback) snapshot() ari.Playback {
	pb := ari.Playback{ID: p.id, MediaURI: p.media[p.idx], TargetURI: p.target, Language: p.lang, State: p.state}
	if p.idx+1 < len(p.media) {
		pb.NextMediaURI = p.media[p.idx+1]
	}
	return pb
}

// appsForTarget returns the apps hearing about a channel or bridge target.
func (s *Server) appsForTarget(target string) map[string]bool {
	kind, id, _ := strings.Cut(target, ":")
	switch kind {
	case "channel":
		if c := s.channels[id]; c != nil {
			return c.apps()
		}
		if cs, ok := s.gone[id]; ok && cs.App != "" {
			return map[string]bool{cs.App: true}
		}
	case "bridge":
		if b := s.bridges[id]; b != nil {
			return b.apps()
		}
	}
	return map[string]bool{}
}

func (s *Server) startPlaybackLocked(r *request, target string, owner map[string]bool) response {
	media := r.q.Get("media")
	if media == "" {
		return fail(http.StatusBadRequest, "Missing parameter media")
	}
	id := r.p("playbackId")
	if id == "" {
		id = r.q.Get("playbackId")
	}
	if id == "" {
		id = s.nextUniqueID()
	}
	if s.playbacks[id] != nil {
		return fail(http.StatusConflict, "A playback with the same ID already exists")
	}
	lang := r.q.Get("lang")
	if lang == "" {
		lang = "en"
	}
	p := &playback{id: id, media: strings.Split(media, ","), target: target, lang: lang, state: "queued"}
	s.playbacks[id] = p
	owner[id] = true
	snap := p.snapshot()
	p.timer = s.after(0, func() { s.playStepLocked(p, true) })
	return created(snap)
}

// playStepLocked starts the current media item.
func (s *Server) playStepLocked(p *playback, first bool) {
	if s.playbacks[p.id] != p {
		return
	}
	d, known := s.media(p.media[p.idx])
	if !known {
		s.finishPlaybackLocked(p, "failed")
		return
	}
	p.state = "playing"
	if first {
		s.emit(s.appsForTarget(p.target), &ari.PlaybackStarted{Header: ari.Header{Type: "PlaybackStarted"}, Playback: p.snapshot()})
	} else {
		p.state = "continuing"
		s.emit(s.appsForTarget(p.target), &ari.PlaybackContinuing{Header: ari.Header{Type: "PlaybackContinuing"}, Playback: p.snapshot()})
		p.state = "playing"
	}
	p.timer = s.after(d, func() {
		if p.idx+1 < len(p.media) {
			p.idx++
			s.playStepLocked(p, false)
			return
		}
		s.finishPlaybackLocked(p, "done")
	})
}

func (s *Server) finishPlaybackLocked(p *playback, state string) {
	if s.playbacks[p.id] != p {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.state = state
	s.emit(s.appsForTarget(p.target), &ari.PlaybackFinished{Header: ari.Header{Type: "PlaybackFinished"}, Playback: p.snapshot()})
	delete(s.playbacks, p.id)
	kind, id, _ := strings.Cut(p.target, ":")
	if kind == "channel" {
		if c := s.channels[id]; c != nil {
			delete(c.playbacks, p.id)
		}
	} else if b := s.bridges[id]; b != nil {
		delete(b.playbacks, p.id)
	}
}

func (s *Server) hChannelPlay(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if invalidState(c) {
		return fail(http.StatusPreconditionFailed, "Channel in invalid state")
	}
	if atoiOr(r.q.Get("skipms"), 0) < 0 {
		return fail(http.StatusBadRequest, "skipms cannot be negative")
	}
	if atoiOr(r.q.Get("offsetms"), 0) < 0 {
		return fail(http.StatusBadRequest, "offsetms cannot be negative")
	}
	return s.startPlaybackLocked(r, "channel:"+c.id, c.playbacks)
}

func (s *Server) hBridgePlay(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	return s.startPlaybackLocked(r, "bridge:"+b.id, b.playbacks)
}

func (s *Server) hPlaybackGet(r *request) response {
	p := s.playbacks[r.p("playbackId")]
	if p == nil {
		return fail(http.StatusNotFound, "The playback cannot be found")
	}
	return ok(p.snapshot())
}

func (s *Server) hPlaybackStop(r *request) response {
	p := s.playbacks[r.p("playbackId")]
	if p == nil {
		return fail(http.StatusNotFound, "The playback cannot be found")
	}
	s.finishPlaybackLocked(p, "done")
	return noContent()
}

func (s *Server) hPlaybackControl(r *request) response {
	p := s.playbacks[r.p("playbackId")]
	if p == nil {
		return fail(http.StatusNotFound, "The playback cannot be found")
	}
	switch r.q.Get("operation") {
	case "pause":
		p.state = "paused"
	case "unpause":
		p.state = "playing"
	case "restart", "reverse", "forward":
	default:
		return fail(http.StatusBadRequest, "Invalid operation")
	}
	return noContent()
}

type recording struct {
	name, format, target string
	state                string
	started              time.Time
	timer                clock.Timer
}

func (rc *recording) snapshot(now time.Time) ari.LiveRecording {
	lr := ari.LiveRecording{Name: rc.name, Format: rc.format, TargetURI: rc.target, State: rc.state}
	if rc.state != "queued" {
		lr.Duration = int(now.Sub(rc.started) / time.Second)
	}
	return lr
}

// recordFormats are the formats the stand-in "has" (others: 422).
var recordFormats = []string{"wav", "wav16", "gsm", "ulaw", "alaw", "sln", "g722", "g729", "ogg"}

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
	snap := rc.snapshot(s.now())
	max := 0
	if v := r.q.Get("maxDurationSeconds"); v != "" {
		max = atoiOr(v, 0)
	}
	rc.timer = s.after(0, func() {
		if s.recs[name] != rc {
			return
		}
		rc.state = "recording"
		rc.started = s.now()
		s.emit(s.appsForTarget(rc.target), &ari.RecordingStarted{Header: ari.Header{Type: "RecordingStarted"}, Recording: rc.snapshot(s.now())})
		if max > 0 {
			rc.timer = s.after(time.Duration(max)*time.Second, func() { s.finishRecordingLocked(rc, "done") })
		}
	})
	return created(snap)
}

func (s *Server) finishRecordingLocked(rc *recording, state string) {
	if s.recs[rc.name] != rc {
		return
	}
	if rc.timer != nil {
		rc.timer.Stop()
	}
	rc.state = state
	apps := s.appsForTarget(rc.target)
	snap := rc.snapshot(s.now())
	if state == "failed" {
		s.emit(apps, &ari.RecordingFailed{Header: ari.Header{Type: "RecordingFailed"}, Recording: snap})
	} else {
		s.emit(apps, &ari.RecordingFinished{Header: ari.Header{Type: "RecordingFinished"}, Recording: snap})
	}
	delete(s.recs, rc.name)
	if state == "done" {
		s.stored[rc.name] = rc.format
	}
	if kind, id, _ := strings.Cut(rc.target, ":"); kind == "channel" {
		if c := s.channels[id]; c != nil && c.recording == rc.name {
			c.recording = ""
		}
	}
}

func (s *Server) hChannelRecord(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if c.bridge != "" {
		return fail(http.StatusConflict, "Channel is in a bridge")
	}
	resp := s.startRecordingLocked(r, "channel:"+c.id)
	if resp.status == http.StatusCreated {
		c.recording = r.q.Get("name")
	}
	return resp
}

func (s *Server) hBridgeRecord(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	return s.startRecordingLocked(r, "bridge:"+b.id)
}

func (s *Server) hRecLive(r *request) response {
	rc := s.recs[r.p("recordingName")]
	if rc == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return ok(rc.snapshot(s.now()))
}

func (s *Server) hRecStop(r *request) response {
	rc := s.recs[r.p("recordingName")]
	if rc == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	s.finishRecordingLocked(rc, "done")
	return noContent()
}

func (s *Server) hRecCancel(r *request) response {
	rc := s.recs[r.p("recordingName")]
	if rc == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	s.finishRecordingLocked(rc, "canceled")
	return noContent()
}

func (s *Server) hRecNoop(r *request) response {
	if s.recs[r.p("recordingName")] == nil {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return noContent()
}

func (s *Server) hStoredList(_ *request) response {
	names := make([]string, 0, len(s.stored))
	for n := range s.stored {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ari.StoredRecording, 0, len(names))
	for _, n := range names {
		out = append(out, ari.StoredRecording{Name: n, Format: s.stored[n]})
	}
	return ok(out)
}

func (s *Server) hStoredGet(r *request) response {
	f, found := s.stored[r.p("recordingName")]
	if !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	return ok(ari.StoredRecording{Name: r.p("recordingName"), Format: f})
}

func (s *Server) hStoredDelete(r *request) response {
	if _, found := s.stored[r.p("recordingName")]; !found {
		return fail(http.StatusNotFound, "Recording not found")
	}
	delete(s.stored, r.p("recordingName"))
	return noContent()
}
