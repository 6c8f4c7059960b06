package fakeari

import (
	"strings"
	"testing"
)

func TestAutoAnswerRequested(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want bool
	}{
		{name: "Call-Info answer-after", vars: map[string]string{"PJSIP_HEADER(add,Call-Info)": "<uri>;answer-after=0"}, want: true},
		{name: "Alert-Info alert-autoanswer", vars: map[string]string{"PJSIP_HEADER(add,Alert-Info)": "<http://x>;info=alert-autoanswer"}, want: true},
		{name: "Alert-Info Auto Answer", vars: map[string]string{"PJSIP_HEADER(add,Alert-Info)": "Auto Answer"}, want: true},
		{name: "Alert-Info ring tone", vars: map[string]string{"PJSIP_HEADER(add,Alert-Info)": "<http://x>;info=ring2"}},
		{name: "Call-Info without answer-after", vars: map[string]string{"PJSIP_HEADER(add,Call-Info)": "<uri>;purpose=icon"}},
		{name: "header read, not added", vars: map[string]string{"PJSIP_HEADER(read,Call-Info)": "answer-after=0"}},
		{name: "plain variable", vars: map[string]string{"CALLINFO": "answer-after=0"}},
		{name: "none"},
	}
	for _, tt := range tests {
		c := &channel{vars: tt.vars}
		if got := autoAnswerRequested(c); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzAutoAnswerRequested(f *testing.F) {
	f.Add("PJSIP_HEADER(add,Call-Info)", "<uri>;answer-after=0")
	f.Add("PJSIP_HEADER(add,Alert-Info)", "info=alert-autoanswer")
	f.Add("PJSIP_HEADER(add, Alert-Info)", "Intercom")
	f.Add("X", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		c := &channel{vars: map[string]string{name: value}}
		got := autoAnswerRequested(c)
		if got && !strings.HasPrefix(strings.ToLower(strings.ReplaceAll(name, " ", "")), "pjsip_header(add,") {
			t.Fatalf("%q=%q: auto-answer from a variable that adds no header", name, value)
		}
		c.vars["UNRELATED"] = value
		if autoAnswerRequested(c) != got {
			t.Fatalf("%q=%q: an unrelated variable changed the verdict", name, value)
		}
	})
}
