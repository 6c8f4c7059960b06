package callerid

import (
	"bufio"
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"

	retry "github.com/pbxagent/pbxagent/internal/backoff"
)

// AGIMatchVariable is the channel variable the FastAGI server sets to the match kind.
const AGIMatchVariable = "PBXAGENT_CID_MATCH"

// DefaultAGIAddr is the FastAGI listen address when none is configured (Asterisk's AGI_PORT).
const DefaultAGIAddr = "127.0.0.1:4573"

// agiScripts are the script paths (agi://host/<script>) this server answers.
var agiScripts = map[string]bool{"": true, "cid": true, "cnam": true}

// ListenAGI listens on addr (TCP) and serves FastAGI until ctx ends. An empty addr disables
// the server: ListenAGI returns nil at once.
func (s *Service) ListenAGI(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("fastagi listen %s: %w", addr, err)
	}
	return s.ServeAGI(ctx, ln)
}

// ServeAGI serves FastAGI sessions (agi://host/cid) on ln until ctx ends, then closes ln, waits
// for the sessions in flight (each bounded by the service timeout) and returns nil. Each session
// reads the agi_* block, skips withheld numbers, looks the caller up and sends
// `SET VARIABLE CALLERID(name) "…"` when ShouldOverwrite allows it and
// `SET VARIABLE PBXAGENT_CID_MATCH <kind>`, then closes so Asterisk reports AGISTATUS=SUCCESS.
//
// The script's query may override the number (`cid?number=…`) and the policy
// (`cid?overwrite=always|never|weak`).
func (s *Service) ServeAGI(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	sem := make(chan struct{}, s.maxAGI)
	room := &waitRoom{max: s.maxAGIWaiting}
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("fastagi accept: %w", err)
			}
			// Transient (e.g. too many open files): back off like net/http.
			backoff = retry.Next(backoff)
			s.agiAcceptLog.Log(s.log, slog.LevelWarn, "fastagi accept failed; retrying", "error", err, "backoff", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			continue
		}
		backoff = 0
		e := room.enter(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveAGIWaiting(ctx, c, room, e, sem)
		}()
	}
}

// serveAGIWaiting waits for c's first agi_ line, within the first-line
// timeout, before it takes a session slot: a connection that stays silent
// (or is pushed out of the wait room by newer ones, or sends something
// else) is closed without having held one. A connection that finds every
// slot taken is closed at once (Asterisk goes on with the name untouched)
// and counted; the log says so at most once per interval.
func (s *Service) serveAGIWaiting(ctx context.Context, c net.Conn, room *waitRoom, e *list.Element, sem chan struct{}) {
	br := agiReaders.Get().(*bufio.Reader)
	br.Reset(c)
	defer func() {
		br.Reset(nil)
		agiReaders.Put(br)
	}()
	_ = c.SetReadDeadline(s.now().Add(s.agiFirstLine))
	spoke, ok, err := firstLine(br)
	evicted := room.leave(e)
	if !ok || evicted {
		outcome := "silent" // closed, or quiet past the first-line timeout
		switch {
		case evicted:
			outcome = "evicted"
		case spoke && (err == nil || errors.Is(err, bufio.ErrBufferFull)):
			outcome = "protocol_error" // not an agi_ line
		}
		s.metrics.agiSession(outcome)
		_ = c.Close()
		return
	}
	select {
	case sem <- struct{}{}:
	default:
		s.metrics.agiSession("overload")
		s.agiRefuseLog.Log(s.log, slog.LevelWarn, "fastagi sessions refused: too many sessions", "max", s.maxAGI)
		_ = c.Close()
		return
	}
	s.metrics.agiLive.Inc()
	defer func() {
		s.metrics.agiLive.Dec()
		<-sem
	}()
	s.serveAGISession(ctx, c, br)
}

var agiReaders = sync.Pool{New: func() any { return newAGIReader(nil) }}

// ServeAGIConn runs one FastAGI session on c and closes it.
func (s *Service) ServeAGIConn(ctx context.Context, c net.Conn) {
	br := agiReaders.Get().(*bufio.Reader)
	br.Reset(c)
	defer func() {
		br.Reset(nil)
		agiReaders.Put(br)
	}()
	s.serveAGISession(ctx, c, br)
}

// serveAGISession runs the session on c, read through br, and closes c.
func (s *Service) serveAGISession(ctx context.Context, c net.Conn, br *bufio.Reader) {
	start := s.now()
	deadline := start.Add(s.timeout)
	_ = c.SetDeadline(deadline)
	// The lookup leaves a quarter of the session deadline for the replies,
	// so a lookup that times out still gets its PBXAGENT_CID_MATCH out on a
	// busy host (25 ms of the default 100 ms).
	reserve := s.timeout / 4
	lctx, cancel := context.WithDeadline(ctx, deadline.Add(-reserve))
	defer cancel()

	outcome := s.agiSession(lctx, c, br)
	s.metrics.agiSession(outcome)
	s.closeAGI(c, br)
}

// agiSession does the work of one session and returns its outcome label.
func (s *Service) agiSession(ctx context.Context, c net.Conn, br *bufio.Reader) string {
	env, err := ReadAGIEnv(br)
	if err != nil {
		if isIOError(err) {
			s.log.Debug("fastagi session ended before its environment", "error", err)
			return "io_error"
		}
		s.log.Warn("fastagi protocol error", "remote", c.RemoteAddr().String(), "error", err)
		return "protocol_error"
	}
	script := strings.TrimPrefix(env.Get("agi_network_script"), "/")
	path, rawQuery, _ := strings.Cut(script, "?")
	if !agiScripts[path] {
		s.log.Warn("fastagi script not served", "script", path)
		return "rejected"
	}
	channelNumber := env.Get("agi_callerid")
	number := channelNumber
	policy := s.policy
	if rawQuery != "" {
		q, _ := url.ParseQuery(rawQuery)
		if v, ok := q["number"]; ok {
			number = restorePlus(v[0])
		}
		if v := q.Get("overwrite"); v != "" {
			if p, err := ParseOverwritePolicy(v); err == nil {
				policy = p
			}
		}
	}
	if env.Hangup {
		return "ok"
	}
	if len(number) > maxNumberLen || hasControl(number) {
		s.log.Warn("fastagi caller number refused", "length", len(number))
		return "rejected"
	}
	pres := ParsePresentation(env.Get("agi_callingpres"))
	res, hit := s.Resolve(ctx, ProtoAGI, number, pres)
	if res.Match == phonebook.MatchSkipped {
		return "ok"
	}
	current := env.Get("agi_calleridname")
	if hit && (ShouldOverwrite(current, channelNumber, policy) || ShouldOverwrite(current, number, policy)) {
		cmd := "SET VARIABLE CALLERID(name) " + AGIQuote(s.DisplayName(res.Name)) + "\n"
		if done, outcome := s.agiCommand(c, br, cmd); done {
			return outcome
		}
	}
	_, outcome := s.agiCommand(c, br, "SET VARIABLE "+AGIMatchVariable+" "+string(res.Match)+"\n")
	return outcome
}

// agiCommand sends one command and reads its reply; done reports that the session must end.
func (s *Service) agiCommand(c net.Conn, br *bufio.Reader, cmd string) (done bool, outcome string) {
	if _, err := io.WriteString(c, cmd); err != nil {
		s.log.Debug("fastagi write failed", "error", err)
		return true, "io_error"
	}
	rep, err := ReadAGIReply(br)
	if err != nil {
		if isIOError(err) {
			s.log.Debug("fastagi reply not read", "error", err)
			return true, "io_error"
		}
		s.log.Warn("fastagi protocol error", "error", err)
		return true, "protocol_error"
	}
	switch rep.Code {
	case 200:
		return false, "ok"
	case 511: // dead channel: nothing more will work
		return true, "ok"
	default:
		if s.log.Enabled(context.Background(), slog.LevelDebug) {
			s.log.Debug("fastagi command refused", "reply", rep.Line)
		}
		return false, "ok"
	}
}

// closeAGI half-closes the connection so Asterisk sees EOF and ends the AGI with SUCCESS, reads
// what it still sends (its trailing HANGUP line) for a short grace so the close is a clean FIN
// rather than a reset, and closes.
func (s *Service) closeAGI(c net.Conn, br *bufio.Reader) {
	defer c.Close()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return
	}
	if err := cw.CloseWrite(); err != nil {
		return
	}
	_ = c.SetReadDeadline(s.now().Add(s.agiGrace))
	_, _ = io.Copy(io.Discard, io.LimitReader(br, 64<<10))
}

// isIOError tells transport failures (EOF, deadline, reset) from protocol violations.
func isIOError(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}
