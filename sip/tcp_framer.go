package sip

import "time"

// msgFramer follows the message boundaries of a SIP byte stream (RFC 3261 §18.3: headers up to
// an empty line, then Content-Length bytes of body) just enough to know whether a message is
// being received, since when, and when the last one ended. It does not parse: sipgo does. A
// Content-Length it cannot read counts as 0 (sipgo refuses such a message and closes the
// connection anyway). Any byte other than CR and LF between messages starts a message, so a
// peer that trickles bytes is always inside a message and under its deadline.
type msgFramer struct {
	state   framerState
	started time.Time // first byte of the message being received
	ended   time.Time // end of the last complete message (or the connection's start)
	body    int       // body bytes still to come
	clen    int       // Content-Length of the message being received

	// the line being received
	startLine bool // the message's first line: never a header
	lineLen   int
	lastCR    bool
	name      [16]byte // header name without blanks, first bytes
	nameLen   int
	nameDone  bool // ':' seen
	val       int
	valSeen   bool
	valBad    bool
}

type framerState uint8

const (
	framerIdle framerState = iota // between messages (CRLF keep-alives allowed)
	framerHeaders
	framerBody
)

// maxFramedBody caps the Content-Length the framer believes; sipgo refuses messages over 64 KiB.
const maxFramedBody = 1 << 20

func newMsgFramer(now time.Time) *msgFramer { return &msgFramer{ended: now} }

// inMessage reports whether part of a message has been received and not its end.
func (f *msgFramer) inMessage() bool { return f.state != framerIdle }

// feed takes the next bytes of the stream, received at now.
func (f *msgFramer) feed(p []byte, now time.Time) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch f.state {
		case framerIdle:
			if c == '\r' || c == '\n' {
				continue
			}
			f.state, f.started, f.clen = framerHeaders, now, 0
			f.resetLine()
			f.startLine = true
			f.lineByte(c)
		case framerHeaders:
			if c != '\n' {
				f.lineByte(c)
				continue
			}
			if f.lineLen == 0 || (f.lineLen == 1 && f.lastCR) { // empty line: end of the headers
				if f.clen > 0 {
					f.state, f.body = framerBody, f.clen
				} else {
					f.state, f.ended = framerIdle, now
				}
				continue
			}
			if !f.startLine && f.nameDone && f.valSeen && !f.valBad && f.isContentLength() {
				f.clen = f.val
			}
			f.resetLine()
		case framerBody:
			k := min(f.body, len(p)-i)
			f.body -= k
			i += k - 1
			if f.body == 0 {
				f.state, f.ended = framerIdle, now
			}
		}
	}
}

func (f *msgFramer) resetLine() {
	f.startLine = false
	f.lineLen, f.lastCR, f.nameLen, f.nameDone, f.val, f.valSeen, f.valBad = 0, false, 0, false, 0, false, false
}

func (f *msgFramer) lineByte(c byte) {
	f.lineLen++
	f.lastCR = c == '\r'
	blank := c == ' ' || c == '\t' || c == '\r'
	switch {
	case !f.nameDone && c == ':':
		f.nameDone = true
	case !f.nameDone:
		if !blank {
			if f.nameLen < len(f.name) {
				f.name[f.nameLen] = c
			}
			f.nameLen++
		}
	case c >= '0' && c <= '9':
		f.valSeen = true
		f.val = min(f.val*10+int(c-'0'), maxFramedBody)
	case !blank:
		f.valBad = true
	}
}

// isContentLength says whether the current line's name is Content-Length or its compact form l.
func (f *msgFramer) isContentLength() bool {
	if f.nameLen > len(f.name) {
		return false
	}
	return asciiEqualFold(f.name[:f.nameLen], "content-length") || asciiEqualFold(f.name[:f.nameLen], "l")
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
