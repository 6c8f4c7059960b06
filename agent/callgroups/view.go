package callgroups

import (
	"context"
	"fmt"
	"time"
)

// WaitingView is a waiting caller as the API shows them: with how long
// they have waited when the answer was made.
type WaitingView struct {
	WaitingCall
	WaitSeconds float64 `json:"wait_seconds" doc:"How long the caller has waited, at server_time (clients add the time since)" example:"42.5"`
}

// ActiveView is an answered group call as the API shows it: with how long
// it has been bridged when the answer was made.
type ActiveView struct {
	ActiveCall
	TalkSeconds float64 `json:"talk_seconds" doc:"How long the caller and the member have talked, at server_time" example:"95"`
}

// GroupView is one call group as the console's page and the wallboard
// show it: the configuration, the members with their live state, the
// callers waiting (in order) and the answered calls, all as they were at
// ServerTime.
type GroupView struct {
	Group      Group         `json:"group" doc:"The group's configuration"`
	Members    []MemberView  `json:"members" doc:"The members with their live state, in the group's order (static as configured, then dynamic by joining time)"`
	Waiting    []WaitingView `json:"waiting" doc:"The callers waiting, first in line first"`
	Active     []ActiveView  `json:"active" doc:"The group's answered calls, until they end"`
	ServerTime time.Time     `json:"server_time" doc:"When the view was made (wait_seconds and talk_seconds are as of then)" example:"2026-12-07T12:00:42Z"`
}

// CallList is the answer of GET /api/v1/callgroups/{id}/calls.
type CallList struct {
	Waiting    []WaitingView `json:"waiting" doc:"The callers waiting, first in line first"`
	Active     []ActiveView  `json:"active" doc:"The group's answered calls, until they end"`
	ServerTime time.Time     `json:"server_time" doc:"When the list was made (wait_seconds and talk_seconds are as of then)" example:"2026-12-07T12:00:42Z"`
}

// seconds is d in seconds, never negative, to the millisecond.
func seconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return float64(d.Milliseconds()) / 1000
}

// WaitingViews are calls with their waits at now.
func WaitingViews(calls []WaitingCall, now time.Time) []WaitingView {
	out := make([]WaitingView, len(calls))
	for i, c := range calls {
		if c.Ringing == nil {
			c.Ringing = []string{}
		}
		out[i] = WaitingView{WaitingCall: c, WaitSeconds: seconds(now.Sub(c.EnteredAt))}
	}
	return out
}

// ActiveViews are calls with their talk times at now.
func ActiveViews(calls []ActiveCall, now time.Time) []ActiveView {
	out := make([]ActiveView, len(calls))
	for i, c := range calls {
		out[i] = ActiveView{ActiveCall: c, TalkSeconds: seconds(now.Sub(c.AnsweredAt))}
	}
	return out
}

// Calls returns a group's waiting and answered calls at now.
func Calls(ctx context.Context, svc Service, groupID string, now time.Time) CallList {
	return CallList{
		Waiting:    WaitingViews(svc.Waiting(ctx, groupID), now),
		Active:     ActiveViews(svc.Active(ctx, groupID), now),
		ServerTime: now,
	}
}

// View returns the view of group id at now; ErrNotFound when there is no
// such group.
func View(ctx context.Context, svc Service, id string, now time.Time) (GroupView, error) {
	g, ok := svc.Group(ctx, id)
	if !ok {
		return GroupView{}, ErrNotFound
	}
	ms, err := svc.Members(ctx, id)
	if err != nil {
		return GroupView{}, fmt.Errorf("members of call group %s: %w", id, err)
	}
	if ms == nil {
		ms = []MemberView{}
	}
	calls := Calls(ctx, svc, id, now)
	return GroupView{Group: normalized(g), Members: ms, Waiting: calls.Waiting, Active: calls.Active, ServerTime: now}, nil
}

// normalized gives a group's lists as empty rather than null in JSON.
func normalized(g Group) Group {
	if g.Numbers == nil {
		g.Numbers = []string{}
	}
	if g.JoinEmpty == nil {
		g.JoinEmpty = []Factor{}
	}
	if g.LeaveWhenEmpty == nil {
		g.LeaveWhenEmpty = []Factor{}
	}
	if g.Members == nil {
		g.Members = []Member{}
	}
	return g
}
