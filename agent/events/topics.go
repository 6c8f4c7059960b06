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

// TopicScope returns the scope of topic; ok is false for an unknown topic.
func TopicScope(topic string) (s platform.Scope, ok bool) {
	s, ok = Topics[topic]
	return s, ok
}
