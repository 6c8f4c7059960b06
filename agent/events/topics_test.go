package events

import (
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestTopicAllows: a wallboard token may follow topic callgroups (its
// events' audiences narrow it to the board's groups) and nothing else; a
// user follows what their scopes allow.
func TestTopicAllows(t *testing.T) {
	wb := platform.Principal{Kind: platform.KindWallboard, Wallboard: "w1", Groups: []string{"sales"}}
	user := platform.Principal{Kind: platform.KindSession, UserID: "u", Role: platform.RoleUser}
	tests := []struct {
		name  string
		p     platform.Principal
		topic string
		want  bool
	}{
		{name: "wallboard callgroups", p: wb, topic: "callgroups", want: true},
		{name: "wallboard calls", p: wb, topic: "calls", want: false},
		{name: "wallboard presence", p: wb, topic: "presence", want: false},
		{name: "wallboard chat", p: wb, topic: "chat", want: false},
		{name: "wallboard unknown", p: wb, topic: "nope", want: false},
		{name: "user callgroups", p: user, topic: "callgroups", want: true},
		{name: "user dialer", p: user, topic: "dialer", want: false},
	}
	for _, tt := range tests {
		if got := TopicAllows(tt.p, tt.topic); got != tt.want {
			t.Errorf("%s: TopicAllows = %v, want %v", tt.name, got, tt.want)
		}
	}
	if fe := topicAllowed(wb, "calls", "topics"); fe == nil {
		t.Error("topicAllowed let a wallboard token subscribe to calls")
	}
	if fe := topicAllowed(wb, "callgroups", "topics"); fe != nil {
		t.Errorf("topicAllowed refused callgroups to a wallboard token: %v", fe)
	}
}
