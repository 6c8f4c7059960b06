package ari

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// DefaultIdleTimeout is how long the client keeps an idle HTTP connection to
// Asterisk. Asterisk closes idle HTTP sessions after http.conf
// session_keep_alive (15 000 ms by default, main/http.c); a client that keeps
// them longer sends requests on connections the server is closing, and they
// fail with EOF. Ten seconds leaves a margin below Asterisk's default.
const DefaultIdleTimeout = 10 * time.Second

// ErrNoResponse marks a request whose connection failed after it may have
// been sent and before any response arrived: Asterisk may or may not have
// applied it. The client returns it (wrapped) only for requests it cannot
// safely repeat; see retryClassOf.
var ErrNoResponse = errors.New("ari: connection lost before a response; the request may have been applied")

// IsNoResponse reports whether err is a request that may or may not have
// been applied (ErrNoResponse).
func IsNoResponse(err error) bool { return errors.Is(err, ErrNoResponse) }

// retryClass says what the client does when a request failed on a reused
// connection before any response arrived (typically Asterisk closing an
// idle keep-alive connection just as the request was sent). Every request
// the client makes names the resource by an id the caller chose, so most
// can be repeated; the class says how to read the repeat's answer.
type retryClass int

const (
	// noRetry: repeating could act twice (send DTMF twice, raise a user
	// event twice, dial a second time, skip a playback twice). The error is
	// returned wrapping ErrNoResponse.
	noRetry retryClass = iota
	// retrySafe: reads, and requests that set a state (answer, hold, mute,
	// moh, variables, device states, subscriptions, bridge membership):
	// repeating them leaves the same state.
	retrySafe
	// retryGone: deletions (hang-up, destroy, stop). A 404 on the repeat
	// means the first request did it.
	retryGone
	// retryCreated: creations under an id the client chose (originate,
	// bridge, playback, recording, snoop). A 409 on the repeat means the
	// first request created it; the client fetches and returns it.
	retryCreated
	// retryLeft: continue, move and redirect. A 404 or 409 on the repeat
	// means the channel already left the application as asked.
	retryLeft
)

// retryClassOf classifies the client's operations (the op names of call).
func retryClassOf(op, method string) retryClass {
	switch op {
	case "channels.originate", "channels.create", "bridges.createWithId",
		"channels.play", "bridges.play", "channels.record", "bridges.record", "channels.snoop":
		return retryCreated
	case "channels.hangup", "bridges.destroy", "playbacks.stop", "recordings.stop",
		"recordings.cancel", "recordings.deleteStored", "deviceStates.delete":
		return retryGone
	case "channels.continue", "channels.move", "channels.redirect":
		return retryLeft
	case "channels.sendDTMF", "channels.dial", "events.userEvent", "playbacks.control":
		return noRetry
	}
	if method == "GET" {
		return retrySafe
	}
	switch op {
	case "channels.answer", "channels.ring", "channels.ringStop", "channels.progress",
		"channels.setVariable", "channels.mute", "channels.unmute", "channels.hold", "channels.unhold",
		"channels.startMoh", "channels.stopMoh", "channels.startSilence", "channels.stopSilence",
		"bridges.addChannel", "bridges.removeChannel", "bridges.startMoh", "bridges.stopMoh",
		"recordings.pause", "recordings.unpause", "recordings.mute", "recordings.unmute", "asterisk.setGlobalVar", "deviceStates.update",
		"applications.subscribe", "applications.unsubscribe":
		return retrySafe
	}
	return noRetry
}

// createdPath is where a resource created by op (retryCreated) can be read
// back: the id is in the request's path or query.
func createdPath(op, path string, q url.Values) string {
	last := path[strings.LastIndexByte(path, '/'):]
	switch op {
	case "channels.originate", "bridges.createWithId":
		return path
	case "channels.create":
		return "/channels" + seg(q.Get("channelId"))
	case "channels.play", "bridges.play":
		return "/playbacks" + last
	case "channels.record", "bridges.record":
		return "/recordings/live" + seg(q.Get("name"))
	case "channels.snoop":
		return "/channels" + last
	}
	return ""
}
