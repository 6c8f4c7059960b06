// Package queuelog writes the call groups' journal as Asterisk's
// queue_log file, so that existing queue-reporting tools (which read
// app_queue's queue_log) read pbxagent's call groups too, and reads such
// a file back (Parse).
//
// A line is epoch|callid|queue|agent|EVENT|data1|data2|…, as
// ast_queue_log in Asterisk's main/logger.c writes it, with the data
// fields app_queue's apps/app_queue.c writes for each event (see
// FromEntry and docs/callgroups.md, "queue_log").
package queuelog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// None is what queue_log writes for a missing callid or agent.
const None = "NONE"

// Line is one queue_log line.
type Line struct {
	// Time is when the event happened (the file keeps whole seconds).
	Time time.Time
	// CallID is the caller's channel uniqueid, or NONE for member events.
	CallID string
	// Queue is the queue's (call group's) name.
	Queue string
	// Agent is the member's name, or NONE for caller events.
	Agent string
	// Event is ENTERQUEUE, CONNECT, ….
	Event string
	// Data are the event's fields after EVENT; app_queue always writes at
	// least one (possibly empty).
	Data []string
}

// String formats the line as queue_log keeps it, without the newline.
// Fields are cleaned (Clean) so that the line parses back.
func (l Line) String() string {
	return string(l.Append(nil))
}

// Append appends the line (without the newline) to b.
func (l Line) Append(b []byte) []byte {
	b = strconv.AppendInt(b, l.Time.Unix(), 10)
	for _, f := range [...]string{l.CallID, l.Queue, l.Agent, l.Event} {
		b = append(b, '|')
		b = appendClean(b, f)
	}
	if len(l.Data) == 0 {
		return append(b, '|')
	}
	for _, f := range l.Data {
		b = append(b, '|')
		b = appendClean(b, f)
	}
	return b
}

// Clean replaces what would break a line — the field separator '|', line
// ends and NUL — by '_' (app_queue does the same to '|' in caller names).
func Clean(s string) string {
	if !strings.ContainsAny(s, "|\r\n\x00") {
		return s
	}
	return string(appendClean(nil, s))
}

func appendClean(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '|', '\r', '\n', 0:
			b = append(b, '_')
		default:
			b = append(b, c)
		}
	}
	return b
}

// Errors of Parse.
var (
	ErrFields = errors.New("queuelog: fewer than 5 fields (epoch|callid|queue|agent|EVENT)")
	ErrTime   = errors.New("queuelog: the time is not a Unix time in seconds")
	ErrEvent  = errors.New("queuelog: no event")
)

// Parse reads one queue_log line (a trailing "\n" or "\r\n" is allowed).
// Lines of 5 fields (no data at all, as some old writers left them) are
// accepted with no Data.
func Parse(s string) (Line, error) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	if strings.ContainsAny(s, "\r\n\x00") {
		return Line{}, fmt.Errorf("queuelog: a line holds a line end or NUL")
	}
	f := strings.Split(s, "|")
	if len(f) < 5 {
		return Line{}, ErrFields
	}
	sec, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || f[0][0] == '+' || sec < 0 || sec > 1<<40 {
		return Line{}, fmt.Errorf("%w: %q", ErrTime, f[0])
	}
	if f[4] == "" {
		return Line{}, ErrEvent
	}
	l := Line{Time: time.Unix(sec, 0), CallID: f[1], Queue: f[2], Agent: f[3], Event: f[4]}
	if len(f) > 5 {
		l.Data = f[5:]
	}
	return l, nil
}

// Int returns data field i (0-based) as an integer, or 0 when it is
// missing or not a number.
func (l Line) Int(i int) int64 {
	if i >= len(l.Data) {
		return 0
	}
	n, err := strconv.ParseInt(l.Data[i], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Field returns data field i (0-based), or "" when missing.
func (l Line) Field(i int) string {
	if i >= len(l.Data) {
		return ""
	}
	return l.Data[i]
}
