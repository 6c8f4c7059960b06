package calls

import "context"

// Event types the engine publishes on TopicCalls.
const (
	TopicCalls = "calls"

	EventCreated  = "call_created"
	EventUpdated  = "call_updated"
	EventAnswered = "call_answered"
	EventHeld     = "call_held"
	EventResumed  = "call_resumed"
	EventEnded    = "call_ended"
)

// Publisher delivers an event to the users allowed to see it (the events
// hub). data is a Call or a Transfer. Publish must not block for long and
// must be safe for concurrent use: the engine calls it from its event loop
// and from API requests. One call's events come one at a time, in the
// order of the call's changes (outbox.go): a later event of the call waits
// until Publish returns, so Publish must not call back into the engine.
type Publisher interface {
	Publish(ctx context.Context, topic, typ string, audienceUserIDs []string, data any)
}

// NopPublisher drops every event.
type NopPublisher struct{}

// Publish implements Publisher.
func (NopPublisher) Publish(context.Context, string, string, []string, any) {}
