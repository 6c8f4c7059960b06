package callgroups

import "context"

// Load reads the groups, dynamic members, pauses and strategy memory,
// and reconciles DND pauses with presence.
func (a *ACD) Load(ctx context.Context) error { return nil }

// PresenceChanged re-evaluates userID's state in their groups.
func (a *ACD) PresenceChanged(ctx context.Context, userID string) {}

// Enter implements Sink.
func (a *ACD) Enter(ctx context.Context, c Caller, groupID string) {}

// CallerGone implements Sink.
func (a *ACD) CallerGone(ctx context.Context, caller string) {}

// OfferAnswered implements Sink.
func (a *ACD) OfferAnswered(ctx context.Context, offerID, callID string) {}

// OfferFailed implements Sink.
func (a *ACD) OfferFailed(ctx context.Context, offerID string, o Outcome) {}

// CallEnded implements Sink.
func (a *ACD) CallEnded(ctx context.Context, offerID string, by Party) {}

// Groups implements Service.
func (a *ACD) Groups(ctx context.Context) []Group { return []Group{} }

// Group implements Service.
func (a *ACD) Group(ctx context.Context, id string) (Group, bool) { return Group{}, false }

// CreateGroup implements Service.
func (a *ACD) CreateGroup(ctx context.Context, g Group) (Group, error) { return g, nil }

// UpdateGroup implements Service.
func (a *ACD) UpdateGroup(ctx context.Context, id string, g Group) (Group, error) { return g, nil }

// DeleteGroup implements Service.
func (a *ACD) DeleteGroup(ctx context.Context, id string) error { return ErrNotFound }

// Members implements Service.
func (a *ACD) Members(ctx context.Context, groupID string) ([]MemberView, error) {
	return nil, ErrNotFound
}

// AddMember implements Service.
func (a *ACD) AddMember(ctx context.Context, groupID string, m Member, paused bool, reason string) (MemberView, error) {
	return MemberView{}, ErrNotFound
}

// RemoveMember implements Service.
func (a *ACD) RemoveMember(ctx context.Context, groupID, userID string) error { return ErrNotFound }

// Pause implements Service.
func (a *ACD) Pause(ctx context.Context, groupID, userID string, paused bool, reason string) ([]MemberView, error) {
	return nil, ErrNotFound
}

// Waiting implements Service.
func (a *ACD) Waiting(ctx context.Context, groupID string) []WaitingCall { return []WaitingCall{} }

// Active implements Service.
func (a *ACD) Active(ctx context.Context, groupID string) []ActiveCall { return []ActiveCall{} }

// GroupsOf implements Service.
func (a *ACD) GroupsOf(userID string) []string { return []string{} }
