package sip

import (
	"bytes"
	"net/netip"
	"strconv"

	sipmsg "github.com/emiago/sipgo/sip"
)

// pinTopVia rewrites a request's top Via so that its responses go to src, the address and port
// the request came from: it drops the via-parm's received and rport parameters and appends
// ";received=<src address>;rport=<src port>" (what an RFC 3581 server adds for a client asking
// for rport). sipgo sends UDP responses to the source address and the Via port (the rport value
// when there is one), and over TCP falls back to dialling the Via's received host, so a forged
// Via can no longer point responses at another port or host. Responses and messages without a
// Via pass unchanged (sipgo drops or refuses them). ok is false, and the message is to be
// dropped, when the Via is folded over several lines (no real client does that) or when sipgo
// would not read the parameters added (a sent-by it misreads, such as "[0]0").
func pinTopVia(msg []byte, src netip.AddrPort) (out []byte, ok bool) {
	if bytes.HasPrefix(msg, []byte("SIP/")) {
		return msg, true
	}
	// Lines end in CRLF, as sipgo reads them: a bare LF is part of its line.
	crlf := []byte("\r\n")
	pos := bytes.Index(msg, crlf) // end of the start line
	if pos < 0 {
		return msg, true
	}
	pos += 2
	for pos < len(msg) {
		end := bytes.Index(msg[pos:], crlf)
		if end < 0 {
			end = len(msg)
		} else {
			end += pos
		}
		line := msg[pos:end]
		if len(line) == 0 { // end of the headers
			return msg, true
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 || !isViaName(bytes.TrimSpace(line[:colon])) {
			pos = end + 2
			continue
		}
		if end+2 < len(msg) && (msg[end+2] == ' ' || msg[end+2] == '\t') {
			return nil, false // folded Via
		}
		vStart, vEnd := pos+colon+1, end
		parmEnd := vStart + viaParmEnd(msg[vStart:vEnd])
		parm := pinnedViaParm(msg[vStart:parmEnd], src)
		out = make([]byte, 0, len(msg)+len(parm)-(parmEnd-vStart))
		out = append(out, msg[:vStart]...)
		out = append(out, parm...)
		out = append(out, msg[parmEnd:]...)
		if !pinnedAsParsed(out[vStart:vEnd+len(parm)-(parmEnd-vStart)], src) {
			return nil, false
		}
		return out, true
	}
	return msg, true
}

// pinnedAsParsed checks, with sipgo's own parser, that a Via header whose value is v has src as
// the received and rport of its first hop.
func pinnedAsParsed(v []byte, src netip.AddrPort) bool {
	m := make([]byte, 0, len(v)+64)
	m = append(m, "OPTIONS sip:x SIP/2.0\r\nVia:"...)
	m = append(m, v...)
	m = append(m, "\r\nContent-Length: 0\r\n\r\n"...)
	msg, err := sipmsg.ParseMessage(m)
	if err != nil {
		return false
	}
	req, ok := msg.(*sipmsg.Request)
	if !ok || req.Via() == nil {
		return false
	}
	r, _ := req.Via().Params.Get("received")
	p, _ := req.Via().Params.Get("rport")
	return r == src.Addr().WithZone("").Unmap().String() && p == strconv.Itoa(int(src.Port()))
}

func isViaName(b []byte) bool {
	return asciiEqualFold(b, "via") || asciiEqualFold(b, "v")
}

// viaParmEnd is the length of the first via-parm of a Via value: up to a comma outside quotes.
func viaParmEnd(v []byte) int {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return i
		}
	}
	return len(v)
}

// pinnedViaParm is the via-parm p without received, rport and empty parameters, with src's as
// the last parameters.
func pinnedViaParm(p []byte, src netip.AddrPort) []byte {
	segs := splitParams(p)
	out := make([]byte, 0, len(p)+48)
	out = append(out, bytes.TrimRight(segs[0], " \t")...)
	for _, s := range segs[1:] {
		name, _, _ := bytes.Cut(s, []byte("="))
		name = bytes.TrimSpace(name)
		if len(name) == 0 || asciiEqualFold(name, "received") || asciiEqualFold(name, "rport") {
			continue
		}
		out = append(out, ';')
		out = append(out, bytes.TrimSpace(s)...)
	}
	out = append(out, ";received="...)
	out = append(out, src.Addr().WithZone("").Unmap().String()...)
	out = append(out, ";rport="...)
	out = strconv.AppendUint(out, uint64(src.Port()), 10)
	return out
}

// splitParams splits on semicolons outside quotes.
func splitParams(p []byte) [][]byte {
	var out [][]byte
	quoted, start := false, 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}
