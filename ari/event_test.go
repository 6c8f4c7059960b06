package ari

import (
	"encoding/json"
	"testing"
	"time"
)

// realStasisStart is a StasisStart event as received from a real Asterisk
// 22.10.1 (observed on Asterisk 22.10.1: a Local channel entering Stasis).
const realStasisStart = `{"type":"StasisStart","timestamp":"2026-11-24T00:01:41.189+0000","args":[],"channel":{"id":"1795478501.3","name":"Local/600115@from-trunk-local-00000001;2","state":"Ring","protocol_id":"","caller":{"name":"","number":"600115"},"connected":{"name":"","number":"600115"},"accountcode":"","dialplan":{"context":"from-trunk","exten":"600115","priority":1,"app_name":"Stasis","app_data":"pbxagent-cid"},"creationtime":"2026-11-24T00:01:41.188+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"pbxagent-cid"}`

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantType string
		wantKeys []Key
		check    func(t *testing.T, ev Event)
		wantErr  bool
	}{
		{
			name: "real StasisStart", in: realStasisStart, wantType: "StasisStart",
			wantKeys: []Key{ChannelKey("1795478501.3")},
			check: func(t *testing.T, ev Event) {
				s := ev.(*StasisStart)
				if s.Channel.Caller.Number != "600115" || s.Channel.Dialplan.AppData != "pbxagent-cid" || s.Application != "pbxagent-cid" {
					t.Fatalf("decoded %+v", s)
				}
				want := time.Date(2026, 11, 24, 0, 1, 41, 189e6, time.UTC)
				if !s.GetTimestamp().Equal(want) {
					t.Fatalf("timestamp %v, want %v", s.GetTimestamp(), want)
				}
				if s.Args == nil || len(s.Args) != 0 {
					t.Fatalf("args %#v", s.Args)
				}
			},
		},
		{
			name:     "Dial names peer and caller",
			in:       `{"type":"Dial","application":"a","timestamp":"2026-11-24T00:01:41.189+0100","dialstatus":"RINGING","peer":{"id":"p"},"caller":{"id":"c"}}`,
			wantType: "Dial", wantKeys: []Key{ChannelKey("c"), ChannelKey("p")},
		},
		{
			name:     "playback names its target",
			in:       `{"type":"PlaybackStarted","application":"a","timestamp":"2026-11-24T00:01:41.189+0000","playback":{"id":"pb1","media_uri":"sound:x","target_uri":"channel:ch1","language":"en","state":"playing"}}`,
			wantType: "PlaybackStarted", wantKeys: []Key{PlaybackKey("pb1"), ChannelKey("ch1")},
		},
		{
			name: "ChannelTransfer names both calls of an attended REFER",
			in: `{"type":"ChannelTransfer","application":"a","timestamp":"2026-12-07T09:00:00.000+0000","state":"channel_progress",` +
				`"refer_to":{"requested_destination":{"protocol_id":"abc@10.0.0.1","additional_protocol_params":[{"parameter_name":"from-tag","parameter_value":"t1"}]},` +
				`"destination_channel":{"id":"held"},"connected_channel":{"id":"target"},"bridge":{"id":"b2"}},` +
				`"referred_by":{"source_channel":{"id":"phone"},"connected_channel":{"id":"caller"},"bridge":{"id":"b1"}}}`,
			wantType: "ChannelTransfer",
			wantKeys: []Key{ChannelKey("held"), ChannelKey("target"), BridgeKey("b2"), ChannelKey("phone"), ChannelKey("caller"), BridgeKey("b1")},
			check: func(t *testing.T, ev Event) {
				e := ev.(*ChannelTransfer)
				if e.State != "channel_progress" || e.ReferTo.RequestedDestination.ProtocolID != "abc@10.0.0.1" || e.ReferTo.RequestedDestination.AdditionalProtocolParams[0].ParameterValue != "t1" {
					t.Fatalf("decoded %+v", e)
				}
			},
		},
		{
			name:     "blind ChannelTransfer names the source only",
			in:       `{"type":"ChannelTransfer","refer_to":{"requested_destination":{"destination":"200"}},"referred_by":{"source_channel":{"id":"phone"}}}`,
			wantType: "ChannelTransfer", wantKeys: []Key{ChannelKey("phone")},
		},
		{
			name:     "unknown type kept",
			in:       `{"type":"FutureEvent","application":"a","timestamp":"2026-11-24T00:01:41.189+0000","x":1}`,
			wantType: "FutureEvent",
			check: func(t *testing.T, ev Event) {
				u := ev.(*UnknownEvent)
				if u.DecodeErr != nil || string(u.Raw()) == "" {
					t.Fatalf("unknown: %+v", u)
				}
			},
		},
		{
			name:     "known type with wrong field type kept",
			in:       `{"type":"ChannelDestroyed","application":"a","timestamp":"2026-11-24T00:01:41.189+0000","cause":"sixteen","channel":{"id":"x"}}`,
			wantType: "ChannelDestroyed",
			check: func(t *testing.T, ev Event) {
				if u, ok := ev.(*UnknownEvent); !ok || u.DecodeErr == nil {
					t.Fatalf("got %T", ev)
				}
			},
		},
		{name: "not json", in: `{"type":`, wantErr: true},
		{name: "no type", in: `{"application":"a"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeEvent([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %T", ev)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetType() != tt.wantType {
				t.Fatalf("type %q", ev.GetType())
			}
			if string(ev.Raw()) != tt.in {
				t.Fatalf("raw not kept")
			}
			if tt.wantKeys != nil {
				got := ev.Keys()
				if len(got) != len(tt.wantKeys) {
					t.Fatalf("keys %v, want %v", got, tt.wantKeys)
				}
				for i := range got {
					if got[i] != tt.wantKeys[i] {
						t.Fatalf("keys %v, want %v", got, tt.wantKeys)
					}
				}
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

func TestTimeRoundTrip(t *testing.T) {
	in := `"2026-11-24T00:01:41.189-0500"`
	var tm Time
	if err := json.Unmarshal([]byte(in), &tm); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(tm)
	if string(out) != in {
		t.Fatalf("got %s want %s", out, in)
	}
	if err := json.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Fatal("want error for bad time")
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(realStasisStart))
	f.Add([]byte(`{"type":"ChannelDestroyed","cause":16,"cause_txt":"Normal Clearing","channel":{"id":"x"}}`))
	f.Add([]byte(`{"type":"PlaybackFinished","playback":{"id":"p","target_uri":"bridge:b"}}`))
	f.Add([]byte(`{"type":"X"}`))
	f.Add([]byte(`{"type":"ChannelTransfer","refer_to":{"requested_destination":{"destination":"200"},"destination_channel":{"id":""}},"referred_by":{"source_channel":{"id":"p"},"bridge":{"id":"b"}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if err != nil {
			if ev != nil {
				t.Fatal("event with error")
			}
			return
		}
		if ev.GetType() == "" {
			t.Fatal("event without type")
		}
		for _, k := range ev.Keys() {
			if k.ID == "" {
				t.Fatalf("empty key id in %v", ev.Keys())
			}
		}
		_ = ev.GetTimestamp()
	})
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"channel:1.2", "bridge:b", "endpoint:PJSIP/100", "deviceState:Stasis:x", "nope", ":", "channel:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseKey(s)
		if !ok {
			return
		}
		if k.ID == "" || k.String() != s {
			t.Fatalf("ParseKey(%q) = %v, round trip %q", s, k, k.String())
		}
	})
}

func FuzzTime(f *testing.F) {
	f.Add(`"2026-11-24T00:01:41.189+0000"`)
	f.Add(`"2026-11-24T00:01:41Z"`)
	f.Add(`""`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, s string) {
		var tm Time
		if err := tm.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		out, err := tm.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Time
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("re-parse %s: %v", out, err)
		}
		if !back.Time.Truncate(time.Millisecond).Equal(tm.Time.Truncate(time.Millisecond)) && !tm.Time.IsZero() {
			t.Fatalf("round trip %s -> %s", s, out)
		}
	})
}
