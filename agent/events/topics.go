package events

import "github.com/pbxagent/pbxagent/agent/platform"

// Topics maps every topic to the scope a principal needs to subscribe to
// it and to be delivered its events (checked again at each delivery).
var Topics = map[string]platform.Scope{
	"calls":      platform.ScopeCalls,
	"presence":   platform.ScopePresence,
	"chat":       platform.ScopeChat,
	"callgroups": platform.ScopeCallGroups,
	"hotel":      platform.ScopeHotel,
	"dialer":     platform.ScopeDialer,
}

// TopicAllows reports whether p may subscribe to topic and be delivered
// its events: p holds the topic's scope, or p is a wallboard's read-only
// token (platform.KindWallboard) and the topic is callgroups, whose
// events' audiences then narrow it to the wallboard's groups.
func TopicAllows(p platform.Principal, topic string) bool {
	s, ok := Topics[topic]
	if !ok {
		return false
	}
	return p.Allows(s) || (p.Kind == platform.KindWallboard && topic == "callgroups")
}

// TopicScope returns the scope of topic; ok is false for an unknown topic.
func TopicScope(topic string) (s platform.Scope, ok bool) {
	s, ok = Topics[topic]
	return s, ok
}
