package events

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseClientMessage(t *testing.T) {
	long := strings.Repeat("x", 65)
	tests := []struct {
		name      string
		in        string
		wantOp    string
		wantID    string
		wantField string // "" : valid
		wantMsg   string
	}{
		{name: "subscribe", in: `{"op":"subscribe","topics":["calls","presence"],"id":"1"}`, wantOp: OpSubscribe, wantID: "1"},
		{name: "unsubscribe", in: `{"op":"unsubscribe","topics":["calls"]}`, wantOp: OpUnsubscribe},
		{name: "resume", in: `{"op":"resume","since":42}`, wantOp: OpResume},
		{name: "resume from zero", in: `{"op":"resume","since":0}`, wantOp: OpResume},
		{name: "not JSON", in: `subscribe calls`, wantField: "message", wantMsg: "not a JSON object"},
		{name: "two values", in: `{"op":"resume","since":1} {}`, wantField: "message", wantMsg: "more than one JSON value"},
		{name: "no op", in: `{"topics":["calls"]}`, wantField: "op", wantMsg: "required"},
		{name: "unknown op", in: `{"op":"publish","id":"7"}`, wantField: "op", wantID: "7", wantMsg: `unknown op "publish"`},
		{name: "unknown field", in: `{"op":"subscribe","topic":["calls"],"id":"x"}`, wantField: "topic", wantID: "x", wantMsg: "unknown field"},
		{name: "topics not a list", in: `{"op":"subscribe","topics":"calls","id":"2"}`, wantField: "topics", wantID: "2", wantMsg: "must be []string"},
		{name: "since not a number", in: `{"op":"resume","since":"42"}`, wantField: "since", wantMsg: "must be uint64"},
		{name: "negative since", in: `{"op":"resume","since":-1}`, wantField: "since"},
		{name: "no topics", in: `{"op":"subscribe","topics":[]}`, wantField: "topics", wantMsg: "required"},
		{name: "unknown topic", in: `{"op":"subscribe","topics":["calls","weather"]}`, wantField: "topics[1]", wantMsg: `unknown topic "weather"`},
		{name: "resume without since", in: `{"op":"resume"}`, wantField: "since", wantMsg: "required"},
		{name: "resume with topics", in: `{"op":"resume","since":1,"topics":["calls"]}`, wantField: "topics"},
		{name: "subscribe with since", in: `{"op":"subscribe","since":1,"topics":["calls"]}`, wantField: "since"},
		{name: "id too long", in: `{"op":"resume","since":1,"id":"` + long + `"}`, wantField: "id"},
		{name: "too many topics", in: `{"op":"subscribe","topics":[` + strings.TrimSuffix(strings.Repeat(`"calls",`, 33), ",") + `]}`, wantField: "topics", wantMsg: "more than 32"},
		{name: "too long", in: `{"op":"subscribe","id":"` + strings.Repeat("y", 5000) + `"}`, wantField: "message", wantMsg: "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseClientMessage([]byte(tt.in))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if m.Op != tt.wantOp || m.ID != tt.wantID {
					t.Errorf("got %+v", m)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v (%T), want a *FieldError on %s", err, err, tt.wantField)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Message, tt.wantMsg) {
				t.Errorf("got %q: %q, want %q: …%s…", fe.Field, fe.Message, tt.wantField, tt.wantMsg)
			}
			if m.ID != tt.wantID {
				t.Errorf("id %q, want %q", m.ID, tt.wantID)
			}
		})
	}
}

// FuzzParseClientMessage: the parser never panics; it accepts only
// messages that hold together, and names a field otherwise, with a
// message that can be quoted back (short, valid UTF-8 from valid input).
func FuzzParseClientMessage(f *testing.F) {
	for _, s := range []string{`{"op":"subscribe","topics":["calls"]}`, `{"op":"resume","since":1}`, `{"op":"unsubscribe","topics":["dialer"],"id":"a"}`,
		`{"op":1}`, `[]`, `null`, `{"op":"subscribe","topics":[null]}`, "{\"op\":\"subscribe\",\"topics\":[\"\xff\"]}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseClientMessage(b)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" || fe.Message == "" {
				t.Fatalf("error %v (%T) names no field", err, err)
			}
			if len(fe.Message) > 600 {
				t.Fatalf("message of %d bytes", len(fe.Message))
			}
			if utf8.Valid(b) && !utf8.ValidString(fe.Message) && !strings.Contains(fe.Message, "…") {
				t.Fatalf("message not UTF-8: %q", fe.Message)
			}
			if len(m.ID) > maxIDLen {
				t.Fatalf("id of %d bytes handed back", len(m.ID))
			}
			return
		}
		switch m.Op {
		case OpSubscribe, OpUnsubscribe:
			if len(m.Topics) == 0 || len(m.Topics) > maxTopics || m.Since != nil {
				t.Fatalf("accepted %+v", m)
			}
			for _, tp := range m.Topics {
				if _, ok := Topics[tp]; !ok {
					t.Fatalf("accepted unknown topic %q", tp)
				}
			}
		case OpResume:
			if m.Since == nil || m.Topics != nil {
				t.Fatalf("accepted %+v", m)
			}
		default:
			t.Fatalf("accepted op %q", m.Op)
		}
	})
}

func TestProtocolToken(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   string
		ok     bool
	}{
		{name: "none"},
		{name: "only the protocol", header: []string{"pbxagent.events"}},
		{name: "token", header: []string{"pbxagent.events, pbxagent.bearer.dMO2ay8_"}, want: "tök/?", ok: true},
		{name: "token in a second field", header: []string{"pbxagent.events", "pbxagent.bearer.YWJj"}, want: "abc", ok: true},
		{name: "padding is not base64url without padding", header: []string{"pbxagent.bearer.YQ=="}},
		{name: "empty token", header: []string{"pbxagent.bearer."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.header {
				h.Add("Sec-WebSocket-Protocol", v)
			}
			got, ok := ProtocolToken(h)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
