package fakeari

import (
	"net/http"
	"strings"

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
	if kind, id, _ := strings.Cut(p.target, ":"); kind == "channel" {
		if c := s.channels[id]; c != nil && c.state == ari.StateUp {
			// A file played to the channel deactivates its generator: an
			// in-band ring tone stops (main/file.c openstream_internal).
			c.ringing = false
		}
	}
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
