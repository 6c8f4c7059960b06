package ua

import (
	"bytes"
	"fmt"
	"strconv"
)

// parseSipfrag reads the status line a REFER's NOTIFY carries in its
// message/sipfrag body (RFC 3515 section 2.4.5, RFC 3420): "SIP/2.0 200
// OK". Only the start line is read; headers after it are ignored.
func parseSipfrag(body []byte) (status int, reason string, err error) {
	line := body
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		line = body[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if len(line) > 256 {
		return 0, "", fmt.Errorf("sipfrag: status line of %d bytes is too long", len(line))
	}
	rest, ok := bytes.CutPrefix(line, []byte("SIP/2.0 "))
	if !ok {
		return 0, "", fmt.Errorf("sipfrag: status line %q does not start with \"SIP/2.0 \"", line)
	}
	if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') {
		return 0, "", fmt.Errorf("sipfrag: status line %q: no 3-digit status code", line)
	}
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return 0, "", fmt.Errorf("sipfrag: status line %q: status code is not 3 digits", line)
		}
	}
	status, _ = strconv.Atoi(string(rest[:3]))
	if status < 100 || status > 699 {
		return 0, "", fmt.Errorf("sipfrag: status line %q: status %d out of 100-699", line, status)
	}
	if len(rest) > 4 {
		reason = string(rest[4:])
	}
	return status, reason, nil
}

// sipfrag is the message/sipfrag body of a NOTIFY for status.
func sipfrag(status int, reason string) []byte {
	return []byte("SIP/2.0 " + strconv.Itoa(status) + " " + reason + "\r\n")
}
