package events

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Subprotocol is the WebSocket subprotocol the server selects when the
// client offers it; a browser, whose WebSocket cannot send an
// Authorization header, offers it with BearerProtocolPrefix followed by
// its token in base64url (RFC 4648 §5, no padding) as a second one.
const (
	Subprotocol          = "pbxagent.events"
	BearerProtocolPrefix = "pbxagent.bearer."
)

// ProtocolToken returns the bearer token a request offers as a
// subprotocol; ok is false when it offers none (or a malformed one).
func ProtocolToken(h http.Header) (token string, ok bool) {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if enc, found := strings.CutPrefix(strings.TrimSpace(p), BearerProtocolPrefix); found {
				b, err := base64.RawURLEncoding.DecodeString(enc)
				if err != nil || len(b) == 0 {
					return "", false
				}
				return string(b), true
			}
		}
	}
	return "", false
}

// Client operations.
const (
	OpSubscribe   = "subscribe"
	OpUnsubscribe = "unsubscribe"
	OpResume      = "resume"
)

// Limits of a client message.
const (
	maxMessageBytes = 4096
	maxTopics       = 32
	maxIDLen        = 64
)

// ClientMessage is one message a client sends.
type ClientMessage struct {
	// Op is subscribe, unsubscribe or resume.
	Op string `json:"op"`
	// ID, when set, is echoed in the ack or error that answers it.
	ID string `json:"id,omitempty"`
	// Topics of subscribe and unsubscribe.
	Topics []string `json:"topics,omitempty"`
	// Since, for resume: the last sequence number the client got.
	Since *uint64 `json:"since,omitempty"`
}

// FieldError is a bad client message: Field names the part at fault
// ("op", "topics[1]", "since").
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ParseClientMessage parses and checks one client message. The error is a
// *FieldError naming the field at fault. A message with an id that is
// otherwise bad still returns the id in msg, for the error's answer.
func ParseClientMessage(b []byte) (msg ClientMessage, err error) {
	if len(b) > maxMessageBytes {
		return msg, &FieldError{Field: "message", Message: fmt.Sprintf("longer than %d bytes", maxMessageBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute) && ute.Field != "":
			return ClientMessage{ID: idOf(b)}, &FieldError{Field: ute.Field, Message: "must be " + ute.Type.String()}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			if f == "" || len(f) > 64 {
				return ClientMessage{ID: idOf(b)}, &FieldError{Field: "message", Message: fmt.Sprintf("unknown field %q", clip(f))}
			}
			return ClientMessage{ID: idOf(b)}, &FieldError{Field: f, Message: "unknown field"}
		}
		return ClientMessage{}, &FieldError{Field: "message", Message: "not a JSON object: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ClientMessage{}, &FieldError{Field: "message", Message: "more than one JSON value"}
	}
	if len(msg.ID) > maxIDLen {
		msg.ID = ""
		return msg, &FieldError{Field: "id", Message: fmt.Sprintf("longer than %d characters", maxIDLen)}
	}
	switch msg.Op {
	case OpSubscribe, OpUnsubscribe:
		if msg.Since != nil {
			return msg, &FieldError{Field: "since", Message: "only for resume"}
		}
		if len(msg.Topics) == 0 {
			return msg, &FieldError{Field: "topics", Message: "required: one topic or more"}
		}
		if len(msg.Topics) > maxTopics {
			return msg, &FieldError{Field: "topics", Message: fmt.Sprintf("more than %d topics", maxTopics)}
		}
		for i, t := range msg.Topics {
			if _, ok := Topics[t]; !ok {
				return msg, &FieldError{Field: fmt.Sprintf("topics[%d]", i), Message: fmt.Sprintf("unknown topic %q", clip(t))}
			}
		}
	case OpResume:
		if msg.Since == nil {
			return msg, &FieldError{Field: "since", Message: "required: the last sequence number received"}
		}
		if msg.Topics != nil {
			return msg, &FieldError{Field: "topics", Message: "not for resume"}
		}
	case "":
		return msg, &FieldError{Field: "op", Message: "required: subscribe, unsubscribe or resume"}
	default:
		return msg, &FieldError{Field: "op", Message: fmt.Sprintf("unknown op %q: want subscribe, unsubscribe or resume", clip(msg.Op))}
	}
	return msg, nil
}

// idOf digs the id out of a message that does not decode as a whole.
func idOf(b []byte) string {
	var v struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	if s, ok := v.ID.(string); ok && len(s) <= maxIDLen {
		return s
	}
	return ""
}

// clip shortens what a client sent before it is quoted back.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Server messages other than events (whose frames the hub builds).
type (
	// welcomeMsg opens every connection.
	welcomeMsg struct {
		Op     string   `json:"op"` // "welcome"
		Seq    uint64   `json:"seq"`
		Topics []string `json:"topics"`
		Window window   `json:"window"`
	}
	window struct {
		Events  int     `json:"events"`
		Seconds float64 `json:"seconds"`
	}
	ackMsg struct {
		Op     string   `json:"op"` // "ack"
		ID     string   `json:"id,omitempty"`
		Of     string   `json:"of"`
		Topics []string `json:"topics"`
		Seq    uint64   `json:"seq,omitempty"`
	}
	errorMsg struct {
		Op    string    `json:"op"` // "error"
		ID    string    `json:"id,omitempty"`
		Error errorBody `json:"error"`
	}
	errorBody struct {
		Code    string        `json:"code"`
		Message string        `json:"message"`
		Details []errorDetail `json:"details"`
	}
	errorDetail struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	}
	resyncMsg struct {
		Op     string `json:"op"` // "resync_required"
		Since  uint64 `json:"since"`
		Oldest uint64 `json:"oldest"`
		Seq    uint64 `json:"seq"`
	}
)
