package media

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Session DTMF timing: each key is a 100 ms event followed by at least
// 60 ms of audio before the next one. Event packets go out on the 20 ms
// audio clock (RFC 4733 2.5.1.2: updates at the packetisation interval).
const (
	sessionDTMFDuration = 100 * time.Millisecond
	sessionDTMFGap      = 3 // frames of audio between two events
)

// sessionDTMFTicks is the 20 ms slots of one event carrying a growing
// duration; the last of them is the first end packet.
var sessionDTMFTicks = int(sessionDTMFDuration / FramePeriod)

// playJob is a prompt being played by the send loop.
type playJob struct {
	audio  *Audio
	codec  Codec
	frames [][]byte
	loop   bool
	pos    int
	done   chan error // buffered 1; receives once
}

// dtmfJob is a SendDTMF call being served by the send loop.
type dtmfJob struct {
	codes    []uint8
	idx      int    // key being sent
	tick     int    // slots of the current key's event sent so far
	ts       uint32 // RTP timestamp of the current event (its start)
	canceled bool
	done     chan error // buffered 1; receives once
}

// sendTick is the send loop's TickFunc: one packet per 20 ms slot.
func (s *Session) sendTick(_, missed int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	active := s.sending && s.bridge == nil
	if missed > 0 {
		// The pacer ran late: the missed slots are not sent in a burst,
		// their samples are skipped (a loss to the receiver).
		s.sender.Skip(uint32(missed) * FrameSamples)
		s.skipped += uint64(missed)
		if active {
			s.skipLocked(int(missed))
		}
	}
	if !active {
		s.sender.Skip(FrameSamples)
		s.talkspurt = true
		if len(s.dtmfQ) > 0 && s.dtmfQ[0].tick > 0 && s.dtmfQ[0].tick < sessionDTMFTicks-1 {
			// Held mid-event: on resume only its end packets go out, so
			// the peer closes the key once instead of hearing it for the
			// whole hold.
			s.dtmfQ[0].tick = sessionDTMFTicks - 1
		}
		return true
	}
	if s.dtmfTickLocked() {
		return true
	}
	frame, finished := s.nextFrameLocked()
	if s.talkspurt {
		s.sender.StartTalkspurt()
		s.talkspurt = false
	}
	if err := s.sender.WriteFrame(frame, FrameSamples); err != nil {
		s.log.Debug("RTP frame not sent", "err", err)
	}
	if finished != nil {
		finished.done <- nil
	}
	return true
}

// skipLocked moves the current event or prompt over n missed slots.
func (s *Session) skipLocked(n int) {
	if len(s.dtmfQ) > 0 && s.dtmfQ[0].tick > 0 {
		j := s.dtmfQ[0]
		// Keep the end packets: they close the event at the receiver.
		if j.tick < sessionDTMFTicks-1 {
			j.tick = min(j.tick+n, sessionDTMFTicks-1)
		}
		return
	}
	if s.dtmfGap > 0 {
		s.dtmfGap = max(s.dtmfGap-n, 0)
	}
	if j := s.play; j != nil {
		j.pos += n
		if j.pos >= len(j.frames) {
			if j.loop {
				j.pos %= len(j.frames)
			} else {
				s.play = nil
				j.done <- nil
			}
		}
	}
}

// nextFrameLocked returns the frame for this slot: the prompt's next one,
// else silence, and the prompt if this was its last frame.
func (s *Session) nextFrameLocked() ([]byte, *playJob) {
	j := s.play
	if j == nil {
		return s.silence, nil
	}
	if j.codec != s.codec {
		// Update changed the codec mid-prompt: re-encode the rest.
		j.frames, j.codec = j.audio.Payloads(s.codec), s.codec
	}
	f := j.frames[j.pos]
	j.pos++
	if j.pos < len(j.frames) {
		return f, nil
	}
	if j.loop {
		j.pos = 0
		return f, nil
	}
	s.play = nil
	return f, j
}

// dtmfTickLocked sends this slot's telephone-event packet if a key is due
// and reports whether it did (the slot then carries no audio). Every packet
// of an event has the timestamp of its start; the sender's timestamp
// advances by 160 per slot meanwhile, so the audio after the event carries
// the timestamp of the elapsed samples.
func (s *Session) dtmfTickLocked() bool {
	for len(s.dtmfQ) > 0 {
		j := s.dtmfQ[0]
		if j.tick == 0 && (j.canceled || s.eventPT == 0) {
			s.dtmfQ = s.dtmfQ[1:]
			if !j.canceled {
				j.done <- errors.New("media: send DTMF: the peer negotiated no telephone-event")
			}
			continue
		}
		if j.tick == 0 && s.dtmfGap > 0 {
			s.dtmfGap--
			return false
		}
		if j.tick == 0 {
			j.ts = s.sender.Timestamp()
		}
		total := int(sessionDTMFDuration.Seconds() * ClockRate)
		ev := TelephoneEvent{
			Event:    j.codes[j.idx],
			Volume:   DefaultDTMFVolume,
			Duration: uint16(min((j.tick+1)*FrameSamples, total)),
			End:      j.tick >= sessionDTMFTicks-1,
		}
		s.evBuf = ev.AppendTo(s.evBuf[:0])
		if err := s.sender.WriteAt(s.eventPT, s.evBuf, j.ts, j.tick == 0); err != nil {
			s.log.Debug("DTMF packet not sent", "err", err)
		}
		s.sender.Skip(FrameSamples)
		j.tick++
		if j.tick < sessionDTMFTicks+DTMFEndPackets-1 {
			return true
		}
		// The key's last end packet went out.
		j.tick = 0
		j.idx++
		s.dtmfGap = sessionDTMFGap
		if j.idx == len(j.codes) || j.canceled {
			s.dtmfQ = s.dtmfQ[1:]
			if !j.canceled {
				j.done <- nil
			}
		}
		return true
	}
	return false
}

// Play sends a's audio in place of silence (or of what played before) and
// returns when it has all been sent, when ctx ends, or when another Play
// replaces it; with loop it plays until ctx ends or it is replaced.
//
// The audio is encoded with the session's codec; if Update changes the
// codec the rest is re-encoded. While sending is off or the session is
// bridged, the prompt pauses; while DTMF is sent, it waits too. Play
// returns nil once the last frame is sent, ctx.Err() when ctx ended, an
// error wrapping ErrReplaced when another Play took over, ErrSessionClosed
// when the session closed.
func (s *Session) Play(ctx context.Context, a *Audio, loop bool) error {
	if a == nil {
		return errors.New("media: play: audio is nil")
	}
	if s.isClosed() {
		return ErrSessionClosed
	}
	s.mu.Lock()
	codec := s.codec
	s.mu.Unlock()
	j := &playJob{audio: a, codec: codec, frames: a.Payloads(codec), loop: loop, done: make(chan error, 1)}
	if len(j.frames) == 0 {
		return nil
	}
	s.mu.Lock()
	if old := s.play; old != nil {
		old.done <- fmt.Errorf("media: play: %w", ErrReplaced)
	}
	s.play = j
	s.talkspurt = true
	s.mu.Unlock()
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		s.stopPlay(j)
		return ctx.Err()
	case <-s.closed:
		s.stopPlay(j)
		return ErrSessionClosed
	}
}

func (s *Session) stopPlay(j *playJob) {
	s.mu.Lock()
	if s.play == j {
		s.play = nil
	}
	s.mu.Unlock()
}

// SendDTMF sends digits (0-9, *, #, A-D) as RFC 4733 events, one after the
// other, and returns when the last one has ended. Each key is a 100 ms
// event whose packets replace the audio frames of its slots, followed by
// at least 60 ms of audio. Calls queue behind each other. While sending is
// off or the session is bridged, the keys wait. When ctx ends, the key
// being sent is finished (its end packets) and the rest dropped.
func (s *Session) SendDTMF(ctx context.Context, digits string) error {
	if digits == "" {
		return nil
	}
	codes := make([]uint8, 0, len(digits))
	for i, d := range digits {
		c, err := DTMFEventCode(d)
		if err != nil {
			return fmt.Errorf("media: send DTMF %q at %d: %w", digits, i, err)
		}
		codes = append(codes, c)
	}
	if s.isClosed() {
		return ErrSessionClosed
	}
	j := &dtmfJob{codes: codes, done: make(chan error, 1)}
	s.mu.Lock()
	if s.eventPT == 0 {
		s.mu.Unlock()
		return errors.New("media: send DTMF: the peer negotiated no telephone-event")
	}
	s.dtmfQ = append(s.dtmfQ, j)
	s.mu.Unlock()
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		s.mu.Lock()
		j.canceled = true
		s.mu.Unlock()
		return ctx.Err()
	case <-s.closed:
		return ErrSessionClosed
	}
}
