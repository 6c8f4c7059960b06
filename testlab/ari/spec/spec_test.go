package spec

import (
	"net/url"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	s := MustLoad()
	if s.Version != "12.0.0" {
		t.Fatalf("version %q", s.Version)
	}
	if len(s.Events) < 40 {
		t.Fatalf("only %d events", len(s.Events))
	}
}

func TestMatch(t *testing.T) {
	s := MustLoad()
	tests := []struct {
		method, path, nick string
		params             map[string]string
	}{
		{"POST", "/channels/create", "create", nil},
		{"POST", "/channels/abc", "originateWithId", map[string]string{"channelId": "abc"}},
		{"POST", "/channels/abc/continue", "continueInDialplan", map[string]string{"channelId": "abc"}},
		{"GET", "/endpoints/PJSIP/100", "get", map[string]string{"tech": "PJSIP", "resource": "100"}},
		{"GET", "/events", "eventWebsocket", nil},
	}
	for _, tt := range tests {
		op, params, ok := s.Match(tt.method, tt.path)
		if !ok || op.Nickname != tt.nick {
			t.Fatalf("%s %s: got %v %v", tt.method, tt.path, op, ok)
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Fatalf("%s: param %s=%q", tt.path, k, params[k])
			}
		}
	}
	if _, _, ok := s.Match("PATCH", "/channels"); ok {
		t.Fatal("PATCH matched")
	}
}

func TestCheckRequest(t *testing.T) {
	s := MustLoad()
	tests := []struct {
		name, method, path, query, body string
		want                            string // substring of the first problem; "" = conforms
	}{
		{"originate ok", "POST", "/channels/x", "endpoint=PJSIP/1&app=a&appArgs=1,2&timeout=30", `{"variables":{"A":"1"}}`, ""},
		{"originate missing endpoint", "POST", "/channels", "app=a", "", `missing required parameter "endpoint"`},
		{"unknown param", "POST", "/channels/x/continue", "contxt=a", "", `unknown parameter "contxt"`},
		{"bad int", "POST", "/channels", "endpoint=x&timeout=abc", "", "not an integer"},
		{"bad reason", "DELETE", "/channels/x", "reason=whatever", "", "not in"},
		{"bad bool", "POST", "/bridges/b/addChannel", "channel=a&mute=yes", "", "not true or false"},
		{"repeated", "POST", "/applications/a/subscription", "eventSource=channel:1&eventSource=channel:2", "", "more than once"},
		{"no op", "GET", "/nothing", "", "", "no such operation"},
		{"api_key ok", "GET", "/channels", "api_key=u:p", "", ""},
		{"body as query", "POST", "/channels", "", `{"endpoint":"PJSIP/1","app":"a"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			probs := s.CheckRequest(tt.method, tt.path, q, []byte(tt.body))
			if tt.want == "" {
				if len(probs) != 0 {
					t.Fatalf("problems: %v", probs)
				}
				return
			}
			if len(probs) == 0 || !strings.Contains(probs[0].Error(), tt.want) {
				t.Fatalf("problems %v, want %q", probs, tt.want)
			}
		})
	}
}

// realStasisStart is a StasisStart event as received from a real Asterisk
// 22.10.1 (observed on Asterisk 22.10.1: a Local channel entering Stasis).
const realStasisStart = `{"type":"StasisStart","timestamp":"2026-11-24T00:01:41.189+0000","args":[],"channel":{"id":"1795478501.3","name":"Local/600115@from-trunk-local-00000001;2","state":"Ring","protocol_id":"","caller":{"name":"","number":"600115"},"connected":{"name":"","number":"600115"},"accountcode":"","dialplan":{"context":"from-trunk","exten":"600115","priority":1,"app_name":"Stasis","app_data":"pbxagent-cid"},"creationtime":"2026-11-24T00:01:41.188+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"pbxagent-cid"}`

func TestCheckEvent(t *testing.T) {
	s := MustLoad()
	tests := []struct {
		name, in, want string
	}{
		{"real StasisStart", realStasisStart, ""},
		{"Rsrvd state on the wire", strings.Replace(realStasisStart, `"Ring"`, `"Rsrvd"`, 1), ""},
		{"bad state", strings.Replace(realStasisStart, `"Ring"`, `"Ringy"`, 1), "not in"},
		{"args null", strings.Replace(realStasisStart, `"args":[]`, `"args":null`, 1), "want List[string]"},
		{"missing channel id", strings.Replace(realStasisStart, `"id":"1795478501.3",`, ``, 1), `missing required property "id"`},
		{"rfc3339 timestamp", strings.Replace(realStasisStart, `2026-11-24T00:01:41.189+0000`, `2026-11-24T00:01:41Z`, 1), "layout"},
		{"extra property", strings.Replace(realStasisStart, `"args":[]`, `"args":[],"zzz":1`, 1), `"zzz" is not in`},
		{"unknown type", `{"type":"Nope"}`, "not an event type"},
		{"int as string", `{"type":"ChannelDestroyed","application":"a","timestamp":"2026-11-24T00:01:41.189+0000","cause":"16","cause_txt":"x","channel":` + channelJSON + `}`, "want int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := s.CheckEvent([]byte(tt.in))
			if tt.want == "" {
				if len(probs) != 0 {
					t.Fatalf("problems: %v", probs)
				}
				return
			}
			found := false
			for _, p := range probs {
				if strings.Contains(p.Error(), tt.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("problems %v, want %q", probs, tt.want)
			}
		})
	}
}

const channelJSON = `{"id":"1","name":"PJSIP/x-1","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"c","exten":"s","priority":1,"app_name":"","app_data":""},"creationtime":"2026-11-24T00:01:41.188+0000","language":"en"}`

func FuzzCheckEvent(f *testing.F) {
	f.Add([]byte(realStasisStart))
	f.Add([]byte(`{"type":"Dial","peer":{}}`))
	s := MustLoad()
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = s.CheckEvent(data)
	})
}

func FuzzCheckRequest(f *testing.F) {
	f.Add("POST", "/channels/x", "endpoint=PJSIP/1&app=a", `{"variables":{"A":"1"}}`)
	f.Add("GET", "/endpoints/PJSIP/1", "", "")
	f.Add("DELETE", "/channels/x", "reason=busy", "")
	s := MustLoad()
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		_ = s.CheckRequest(method, path, q, []byte(body))
	})
}
