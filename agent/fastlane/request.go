package fastlane

import (
	"bytes"
	"errors"
	"strings"
)

// maxHeaders is the count of header fields a request may have to stay in
// the lane; a request with more goes to net/http.
const maxHeaders = 32

// Request is one request head read by the lane: slices into the
// connection's buffer, valid only during Handler.ServeFast.
type Request struct {
	// Method is GET or HEAD (other methods leave the lane).
	Method []byte
	// Target is the request-target as sent (origin form: path and query).
	Target []byte
	// Close is set when the client asked to close the connection after
	// this request.
	Close bool
	// RemoteAddr is the peer's address, as net.Conn reports it.
	RemoteAddr string

	names, values [maxHeaders][]byte
	n             int
}

// Path is the target up to its query.
func (r *Request) Path() []byte {
	if i := bytes.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[:i]
	}
	return r.Target
}

// Header returns the value of the header field name (ASCII, any case) and
// how many fields of that name the request has; the value is that of the
// first, with surrounding spaces and tabs removed, as net/http's
// Header.Get gives it.
func (r *Request) Header(name string) (value []byte, count int) {
	for i := 0; i < r.n; i++ {
		if equalFold(r.names[i], name) {
			if count == 0 {
				value = r.values[i]
			}
			count++
		}
	}
	return value, count
}

// equalFold reports whether b equals s ignoring ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// errLeave marks a request the lane does not serve: net/http gets it as
// sent, and answers it (or refuses it) by its own rules.
var errLeave = errors.New("fastlane: not a lane request")

// parse reads the head (request line and header fields, through the empty
// line) into r. Anything outside the plain form the lane serves yields
// errLeave: a method other than GET or HEAD, a target not in origin form,
// HTTP/1.0, a body (Content-Length other than 0, Transfer-Encoding),
// Expect or Upgrade, folded or malformed lines, too many fields, no Host.
func (r *Request) parse(head []byte) error {
	r.n, r.Close = 0, false
	line, rest, ok := cutLine(head)
	if !ok {
		return errLeave
	}
	if r.Method, r.Target, ok = requestLine(line); !ok {
		return errLeave
	}
	hosts := 0
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return errLeave
		}
		if len(line) == 0 {
			break // the empty line ending the head
		}
		if r.n == maxHeaders {
			return errLeave
		}
		name, value, ok := headerLine(line)
		if !ok {
			return errLeave
		}
		switch {
		case equalFold(name, "Host"):
			hosts++
		case equalFold(name, "Content-Length"):
			if string(value) != "0" {
				return errLeave
			}
		case equalFold(name, "Transfer-Encoding"), equalFold(name, "Expect"), equalFold(name, "Upgrade"):
			return errLeave
		case equalFold(name, "Connection"):
			if containsTokenFold(value, "close") {
				r.Close = true
			} else if len(value) > 0 && !containsTokenFold(value, "keep-alive") {
				return errLeave // hop-by-hop fields named there: net/http's business
			}
		}
		r.names[r.n], r.values[r.n] = name, value
		r.n++
	}
	if hosts != 1 || len(rest) != 0 {
		return errLeave
	}
	return nil
}

// requestLine splits a request line (without its CRLF) the lane may serve:
// GET or HEAD, a target in origin form of plain characters, HTTP/1.1.
func requestLine(line []byte) (method, target []byte, ok bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return nil, nil, false
	}
	method = line[:sp]
	if string(method) != "GET" && string(method) != "HEAD" {
		return nil, nil, false
	}
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 || string(line[sp+1:]) != "HTTP/1.1" {
		return nil, nil, false
	}
	target = line[:sp]
	if target[0] != '/' {
		return nil, nil, false
	}
	for i, c := range target {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return nil, nil, false
		}
		if c == '%' && (i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2])) {
			return nil, nil, false
		}
	}
	return method, target, true
}

// headerLine splits a header field line (without its CRLF) the lane may
// serve: a token name, a colon, a value without control characters (a
// Host value of host characters only), surrounding spaces trimmed.
func headerLine(line []byte) (name, value []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	name = line[:colon]
	for _, c := range name {
		if !isTokenChar(c) {
			return nil, nil, false
		}
	}
	value = trimOWS(line[colon+1:])
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return nil, nil, false
		}
	}
	if equalFold(name, "Host") {
		for _, c := range value {
			if !isHostChar(c) {
				return nil, nil, false
			}
		}
	}
	return name, value, true
}

// headScanner follows a request head as its bytes arrive, line by line,
// so that the lane hands a request to net/http as soon as a complete line
// shows it is not the lane's (a bare LF, a request line or field the lane
// does not serve), rather than waiting for an end of head (CRLF CRLF)
// that such a request may never send: net/http answers it at once.
type headScanner struct {
	next  int // offset of the first line not yet checked
	lines int // lines checked
}

// scan looks at the lines of buf completed since the last call. It
// returns the length of the head (through its empty line) when complete,
// leave when the request is not the lane's, or -1 and false: more bytes
// are needed.
func (h *headScanner) scan(buf []byte) (end int, leave bool) {
	for {
		i := bytes.IndexByte(buf[h.next:], '\n')
		if i < 0 {
			return -1, false
		}
		i += h.next
		if i == 0 || buf[i-1] != '\r' {
			return -1, true // a bare LF
		}
		line := buf[h.next : i-1]
		h.next = i + 1
		if len(line) == 0 {
			if h.lines == 0 {
				return -1, true // an empty line before the request line
			}
			return h.next, false
		}
		ok := false
		if bytes.IndexByte(line, '\r') < 0 {
			if h.lines == 0 {
				_, _, ok = requestLine(line)
			} else {
				_, _, ok = headerLine(line)
			}
		}
		h.lines++
		if !ok || h.lines > maxHeaders+1 {
			return -1, true
		}
	}
}

// cutLine splits off the first CRLF-terminated line of b; a bare LF or CR
// makes ok false (net/http's lenient rules apply there, not the lane's).
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	line = b[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, false
	}
	return line, b[i+1:], true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// containsTokenFold reports whether the comma-separated list v holds tok
// (ASCII, any case).
func containsTokenFold(v []byte, tok string) bool {
	for len(v) > 0 {
		var part []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, nil
		}
		if equalFold(trimOWS(part), tok) {
			return true
		}
	}
	return false
}

// isTokenChar reports whether c may appear in a header field name
// (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isHostChar reports whether c may appear in a Host field net/http accepts
// (letters, digits and the punctuation of names, IPv6 literals and ports).
func isHostChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0
}

// ParseRequest reads a whole request head (through its empty line) as the
// lane does, for tests of a Handler; it fails for heads the lane leaves
// to net/http.
func ParseRequest(head []byte, remoteAddr string) (*Request, error) {
	r := &Request{RemoteAddr: remoteAddr}
	if err := r.parse(head); err != nil {
		return nil, err
	}
	return r, nil
}
