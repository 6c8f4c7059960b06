package chat

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// CreateRoom finds or creates the direct room of uid and the one other
// user in req.Members (created false when it existed), or creates a
// group room with uid as its admin.
func (s *Service) CreateRoom(ctx context.Context, uid string, req CreateRoomRequest) (RoomView, bool, error) {
	if uid == "" {
		return RoomView{}, false, errNoUser
	}
	kind := req.Kind
	if kind == "" {
		kind = KindDirect
	}
	var others []string
	switch kind {
	case KindDirect:
		if req.Name != "" {
			return RoomView{}, false, platform.Invalid("invalid room", platform.FieldError{Field: "name", Message: "a direct room has no name"})
		}
		if len(req.Members) != 1 {
			return RoomView{}, false, platform.Invalid("invalid room", platform.FieldError{Field: "members", Message: "a direct room has exactly one other member"})
		}
		if req.Members[0] == uid {
			return RoomView{}, false, platform.Invalid("invalid room", platform.FieldError{Field: "members[0]", Message: "is yourself"})
		}
		others = req.Members
	case KindGroup:
		if err := checkName(req.Name); err != nil {
			return RoomView{}, false, err
		}
		others = req.Members
	default:
		return RoomView{}, false, platform.Invalid("invalid room", platform.FieldError{Field: "kind", Message: "must be direct or group"})
	}
	members, err := s.checkMembers(ctx, "members", append([]string{uid}, others...), 1)
	if err != nil {
		return RoomView{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kind == KindDirect {
		var id string
		ok, err := s.get(ctx, directKey(members[0], members[1]), &id)
		if err != nil {
			return RoomView{}, false, err
		}
		if ok {
			v, err := s.view(ctx, uid, id)
			return v, false, err
		}
	}
	now := s.clk.Now().UTC()
	r := Room{ID: s.newID(now), Kind: kind, Name: req.Name, Members: members, Admins: []string{}, CreatedBy: uid, CreatedAt: now, UpdatedAt: now}
	if kind == KindGroup {
		r.Admins = []string{uid}
	}
	p := puts{}
	if err := p.set(roomKey(r.ID), r); err != nil {
		return RoomView{}, false, err
	}
	if kind == KindDirect {
		if err := p.set(directKey(members[0], members[1]), r.ID); err != nil {
			return RoomView{}, false, err
		}
	}
	for _, m := range members {
		if err := p.set(memberKey(m, r.ID), member{}); err != nil {
			return RoomView{}, false, err
		}
	}
	if err := s.kv.WriteBatch(ctx, p, nil); err != nil {
		return RoomView{}, false, fmt.Errorf("chat: create room: %w", err)
	}
	s.publish(ctx, "room_updated", RoomEvent{Room: r}, r.Members...)
	return RoomView{Room: r}, true, nil
}

func checkName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 || utf8.RuneCountInString(name) > maxName || !utf8.ValidString(name) {
		return platform.Invalid("invalid room", platform.FieldError{Field: "name", Message: fmt.Sprintf("must be 1–%d characters", maxName)})
	}
	return nil
}

// checkMembers returns ids sorted without duplicates, each an enabled
// user (field names the list; offset is the index in it of ids[1]).
func (s *Service) checkMembers(ctx context.Context, field string, ids []string, offset int) ([]string, error) {
	for i, id := range ids {
		if i == 0 && offset == 1 {
			continue // the caller
		}
		if _, ok := s.users.Person(ctx, id); !ok {
			return nil, platform.Invalid("invalid room", platform.FieldError{Field: fmt.Sprintf("%s[%d]", field, i-offset), Message: "is not a user"})
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxMembers {
		return nil, platform.Invalid("invalid room", platform.FieldError{Field: field, Message: fmt.Sprintf("at most %d members", MaxMembers)})
	}
	return out, nil
}

// Rooms returns uid's rooms, the most recently active first.
func (s *Service) Rooms(ctx context.Context, uid string) ([]RoomView, error) {
	if uid == "" {
		return nil, errNoUser
	}
	type entry struct {
		id string
		m  member
	}
	var ids []entry
	pfx := memberPrefix(uid)
	err := s.kv.Range(ctx, pfx, pfx+keyEnd, false, func(k string, v []byte) error {
		var m member
		if err := jsonUnmarshal(v, &m); err != nil {
			s.log.Warn("chat: unreadable member state", "key", k, "err", err)
			return nil
		}
		ids = append(ids, entry{id: strings.TrimPrefix(k, pfx), m: m})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chat: list rooms: %w", err)
	}
	out := make([]RoomView, 0, len(ids))
	for _, e := range ids {
		var r Room
		ok, err := s.get(ctx, roomKey(e.id), &r)
		if err != nil {
			return nil, err
		}
		if !ok || !contains(r.Members, uid) {
			continue
		}
		out = append(out, RoomView{Room: r, Unread: e.m.Unread, ReadUpTo: e.m.ReadUpTo, Delivered: e.m.Delivered})
	}
	slices.SortStableFunc(out, func(a, b RoomView) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return out, nil
}

// Room returns one of uid's rooms.
func (s *Service) Room(ctx context.Context, uid, id string) (RoomView, error) {
	return s.view(ctx, uid, id)
}

func (s *Service) view(ctx context.Context, uid, id string) (RoomView, error) {
	r, m, err := s.memberRoom(ctx, uid, id)
	if err != nil {
		return RoomView{}, err
	}
	return RoomView{Room: r, Unread: m.Unread, ReadUpTo: m.ReadUpTo, Delivered: m.Delivered}, nil
}

// errNotAdmin answers a change of a group by a member who is not its
// admin.
var errNotAdmin = &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden, Message: "only the room's admins may rename it or change its members"}

// UpdateRoom renames a group or sets its members (its admins only; an
// admin stays a member). The members before and after get room_updated.
func (s *Service) UpdateRoom(ctx context.Context, uid, id string, req UpdateRoomRequest) (RoomView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, m, err := s.memberRoom(ctx, uid, id)
	if err != nil {
		return RoomView{}, err
	}
	if r.Kind != KindGroup {
		f := "members"
		if req.Name != nil {
			f = "name"
		}
		return RoomView{}, platform.Invalid("a direct room cannot be changed", platform.FieldError{Field: f, Message: "a direct room has no name and always its two members"})
	}
	if !contains(r.Admins, uid) {
		return RoomView{}, errNotAdmin
	}
	old := r.Members
	if req.Name != nil {
		if err := checkName(*req.Name); err != nil {
			return RoomView{}, err
		}
		r.Name = *req.Name
	}
	var added, removed []string
	if req.Members != nil {
		members, err := s.checkMembers(ctx, "members", *req.Members, 0)
		if err != nil {
			return RoomView{}, err
		}
		for i, a := range r.Admins {
			if !contains(members, a) {
				return RoomView{}, platform.Invalid("invalid room", platform.FieldError{Field: "members", Message: fmt.Sprintf("must keep the admin %s (admins[%d])", a, i)})
			}
		}
		for _, x := range members {
			if !contains(old, x) {
				added = append(added, x)
			}
		}
		for _, x := range old {
			if !contains(members, x) {
				removed = append(removed, x)
			}
		}
		r.Members = members
	}
	r.UpdatedAt = s.clk.Now().UTC()
	p := puts{}
	if err := p.set(roomKey(r.ID), r); err != nil {
		return RoomView{}, err
	}
	// A new member starts with everything already sent read.
	var last string
	if r.LastMessage != nil {
		last = r.LastMessage.ID
	}
	for _, a := range added {
		if err := p.set(memberKey(a, r.ID), member{ReadUpTo: last, Delivered: last}); err != nil {
			return RoomView{}, err
		}
	}
	var dels []string
	for _, x := range removed {
		dels = append(dels, memberKey(x, r.ID))
	}
	if err := s.kv.WriteBatch(ctx, p, dels); err != nil {
		return RoomView{}, fmt.Errorf("chat: update room: %w", err)
	}
	s.publish(ctx, "room_updated", RoomEvent{Room: r, Removed: removed}, append(slices.Clone(r.Members), removed...)...)
	return RoomView{Room: r, Unread: m.Unread, ReadUpTo: m.ReadUpTo, Delivered: m.Delivered}, nil
}

// Contacts returns the users uid may chat with: every enabled user but
// uid.
func (s *Service) Contacts(ctx context.Context, uid string) ([]Contact, error) {
	if uid == "" {
		return nil, errNoUser
	}
	out := []Contact{}
	for _, p := range s.users.People(ctx) {
		if p.ID != uid {
			out = append(out, Contact{ID: p.ID, Username: p.Username, Name: p.Name})
		}
	}
	return out, nil
}
