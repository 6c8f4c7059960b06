package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// MarkRead records that uid read every message of the room up to upTo
// (never moving back) and recounts their unread messages; the members
// get message_read.
func (s *Service) MarkRead(ctx context.Context, uid, roomID, upTo string) (RoomView, error) {
	return s.mark(ctx, uid, roomID, upTo, true, "")
}

// MarkDelivered records that a client of uid received every message of
// the room up to upTo (via "" from the API, "sip" for a desk phone); the
// members get message_delivered.
func (s *Service) MarkDelivered(ctx context.Context, uid, roomID, upTo, via string) (RoomView, error) {
	return s.mark(ctx, uid, roomID, upTo, false, via)
}

func (s *Service) mark(ctx context.Context, uid, roomID, upTo string, read bool, via string) (RoomView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, st, err := s.memberRoom(ctx, uid, roomID)
	if err != nil {
		return RoomView{}, err
	}
	if !validID(upTo) {
		return RoomView{}, platform.Invalid("invalid receipt", platform.FieldError{Field: "up_to", Message: "is not a message id"})
	}
	if ok, err := s.get(ctx, messageKey(r.ID, upTo), &json.RawMessage{}); err != nil {
		return RoomView{}, err
	} else if !ok {
		return RoomView{}, platform.Invalid("invalid receipt", platform.FieldError{Field: "up_to", Message: "is no message of this room"})
	}
	changed := false
	if st.Delivered < upTo {
		st.Delivered, changed = upTo, true
	}
	if read && st.ReadUpTo < upTo {
		st.ReadUpTo, changed = upTo, true
		n, err := s.unreadAfter(ctx, r.ID, uid, upTo)
		if err != nil {
			return RoomView{}, err
		}
		st.Unread = n
	}
	view := RoomView{Room: r, Unread: st.Unread, ReadUpTo: st.ReadUpTo, Delivered: st.Delivered}
	if !changed {
		return view, nil
	}
	p := puts{}
	if err := p.set(memberKey(uid, r.ID), st); err != nil {
		return RoomView{}, err
	}
	if err := s.kv.WriteBatch(ctx, p, nil); err != nil {
		return RoomView{}, fmt.Errorf("chat: store receipt: %w", err)
	}
	if read {
		s.publish(ctx, "message_read", Receipt{RoomID: r.ID, UserID: uid, UpTo: upTo}, r.Members...)
	} else {
		s.publish(ctx, "message_delivered", Receipt{RoomID: r.ID, UserID: uid, UpTo: upTo, Via: via}, r.Members...)
	}
	return view, nil
}

// unreadAfter counts the messages of others after id that are not
// deleted.
func (s *Service) unreadAfter(ctx context.Context, roomID, uid, id string) (int, error) {
	pfx := messagePrefix(roomID)
	n := 0
	err := s.kv.Range(ctx, pfx+id+"\x00", pfx+keyEnd, false, func(_ string, v []byte) error {
		var m Message
		if json.Unmarshal(v, &m) == nil && m.Sender != uid && !m.Deleted {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("chat: count unread: %w", err)
	}
	return n, nil
}

// Typing tells the room's members that uid is typing (nothing is
// stored).
func (s *Service) Typing(ctx context.Context, uid, roomID string) error {
	r, _, err := s.memberRoom(ctx, uid, roomID)
	if err != nil {
		return err
	}
	s.publish(ctx, "typing", Typing{RoomID: r.ID, UserID: uid}, r.Members...)
	return nil
}
