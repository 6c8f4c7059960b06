package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// hasControl reports whether s holds a control character (JSON escapes
// them).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// checkText refuses an empty text, one that is not UTF-8, and one over
// the size limit (422: the request was well formed, the text too long).
func (s *Service) checkText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return platform.Invalid("invalid message", platform.FieldError{Field: "text", Message: "is empty"})
	case !utf8.ValidString(text):
		return platform.Invalid("invalid message", platform.FieldError{Field: "text", Message: "is not UTF-8"})
	case len(text) > s.cfg.MaxMessageBytes:
		return &platform.APIError{Status: http.StatusUnprocessableEntity, Code: platform.CodeTooLarge, Message: "message too long",
			Details: []platform.FieldError{{Field: "text", Message: fmt.Sprintf("is %d bytes, more than chat.max_message_bytes (%d)", len(text), s.cfg.MaxMessageBytes)}}}
	}
	return nil
}

// Send stores a message from uid in a room it is a member of and
// publishes message_received to the members. The message, the room's
// last message and every other member's unread count are written in one
// batch: once Send returns, the message survives a crash. A retry with
// the same client id returns the message stored the first time (created
// false) without storing or publishing it again.
func (s *Service) Send(ctx context.Context, uid, roomID string, req SendRequest) (Message, bool, error) {
	if err := s.checkText(req.Text); err != nil {
		return Message{}, false, err
	}
	if len(req.ClientID) > maxClientID || !utf8.ValidString(req.ClientID) {
		return Message{}, false, platform.Invalid("invalid message", platform.FieldError{Field: "client_id", Message: fmt.Sprintf("at most %d characters", maxClientID)})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, _, err := s.memberRoom(ctx, uid, roomID)
	if err != nil {
		return Message{}, false, err
	}
	if req.ClientID != "" {
		var prev string
		ok, err := s.get(ctx, clientKey(r.ID, uid, req.ClientID), &prev)
		if err != nil {
			return Message{}, false, err
		}
		if ok {
			var m Message
			if found, err := s.get(ctx, messageKey(r.ID, prev), &m); err != nil || found {
				return m, false, err
			}
			// Pruned since: store it anew.
		}
	}
	if wait, ok := s.rate.take(uid); !ok {
		return Message{}, false, &RateLimited{RetryAfter: wait}
	}
	now := s.clk.Now().UTC()
	m := Message{ID: s.newID(now), RoomID: r.ID, Sender: uid, Text: req.Text, ClientID: req.ClientID, SentAt: now}
	r.LastMessage = &m
	r.UpdatedAt = now
	p := puts{}
	if err := p.set(messageKey(r.ID, m.ID), m); err != nil {
		return Message{}, false, err
	}
	if err := p.set(roomKey(r.ID), r); err != nil {
		return Message{}, false, err
	}
	if err := p.set(timeKey(m.ID), r.ID); err != nil {
		return Message{}, false, err
	}
	if req.ClientID != "" {
		if err := p.set(clientKey(r.ID, uid, req.ClientID), m.ID); err != nil {
			return Message{}, false, err
		}
	}
	for _, x := range r.Members {
		var st member
		if _, err := s.get(ctx, memberKey(x, r.ID), &st); err != nil {
			return Message{}, false, err
		}
		if x == uid {
			st.ReadUpTo, st.Delivered, st.Unread = m.ID, m.ID, 0 // one's own message is read
		} else {
			st.Unread++
		}
		if err := p.set(memberKey(x, r.ID), st); err != nil {
			return Message{}, false, err
		}
	}
	if err := s.kv.WriteBatch(ctx, p, nil); err != nil {
		return Message{}, false, fmt.Errorf("chat: store message: %w", err)
	}
	s.publish(ctx, "message_received", MessageEvent{RoomID: r.ID, Message: m}, r.Members...)
	s.toPhones(r, m)
	return m, true, nil
}

// Query selects a page of a room's messages.
type Query struct {
	// Before: messages older than this id (the newest of them); After:
	// messages newer than this id (the oldest of them); neither: the
	// newest messages.
	Before, After string
	// Limit is the page size (1–200).
	Limit int
	// Search keeps messages whose text holds it, in any case.
	Search string
}

// Messages returns a page of a room's messages, oldest first.
func (s *Service) Messages(ctx context.Context, uid, roomID string, q Query) (MessagePage, error) {
	r, _, err := s.memberRoom(ctx, uid, roomID)
	if err != nil {
		return MessagePage{}, err
	}
	pfx := messagePrefix(r.ID)
	from, to, reverse := pfx, pfx+keyEnd, true
	switch {
	case q.After != "":
		from, reverse = pfx+q.After+"\x00", false
	case q.Before != "":
		to = pfx + q.Before
	}
	needle := strings.ToLower(q.Search)
	// A needle JSON writes as is can be looked for in the stored bytes
	// before decoding them (most messages do not match).
	raw := needle != "" && !strings.ContainsAny(needle, "\"\\<>&\u2028\u2029") && !hasControl(needle)
	rawNeedle := []byte(needle)
	page := MessagePage{Messages: []Message{}}
	scanned := 0
	err = s.kv.Range(ctx, from, to, reverse, func(k string, v []byte) error {
		scanned++
		if scanned > maxScan {
			page.HasMore = true
			return phonebook.ErrStopRange
		}
		if raw && !bytes.Contains(bytes.ToLower(v), rawNeedle) {
			return nil
		}
		var m Message
		if err := json.Unmarshal(v, &m); err != nil {
			s.log.Warn("chat: unreadable message", "key", k, "err", err)
			return nil
		}
		if needle != "" && (m.Deleted || !strings.Contains(strings.ToLower(m.Text), needle)) {
			return nil
		}
		if len(page.Messages) == q.Limit {
			page.HasMore = true
			return phonebook.ErrStopRange
		}
		page.Messages = append(page.Messages, m)
		return nil
	})
	if err != nil {
		return MessagePage{}, fmt.Errorf("chat: list messages: %w", err)
	}
	if reverse {
		for i, j := 0, len(page.Messages)-1; i < j; i, j = i+1, j-1 {
			page.Messages[i], page.Messages[j] = page.Messages[j], page.Messages[i]
		}
	}
	return page, nil
}

// errNotYours answers an edit or deletion of another's message.
var errNotYours = &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden, Message: "only its sender may edit or delete a message"}

// ownMessage reads a message of the room for a change by its sender
// (caller holds mu).
func (s *Service) ownMessage(ctx context.Context, uid, roomID, mid string) (Room, Message, error) {
	r, _, err := s.memberRoom(ctx, uid, roomID)
	if err != nil {
		return Room{}, Message{}, err
	}
	if !validID(mid) {
		return Room{}, Message{}, errNoMessage
	}
	var m Message
	ok, err := s.get(ctx, messageKey(r.ID, mid), &m)
	if err != nil {
		return Room{}, Message{}, err
	}
	if !ok || m.Deleted {
		return Room{}, Message{}, errNoMessage
	}
	if m.Sender != uid {
		return Room{}, Message{}, errNotYours
	}
	return r, m, nil
}

// Edit changes the text of uid's own message; the members get
// message_updated.
func (s *Service) Edit(ctx context.Context, uid, roomID, mid, text string) (Message, error) {
	if err := s.checkText(text); err != nil {
		return Message{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, m, err := s.ownMessage(ctx, uid, roomID, mid)
	if err != nil {
		return Message{}, err
	}
	now := s.clk.Now().UTC()
	m.Text, m.EditedAt = text, &now
	if err := s.writeChange(ctx, r, m, nil); err != nil {
		return Message{}, err
	}
	s.publish(ctx, "message_updated", MessageEvent{RoomID: r.ID, Message: m}, r.Members...)
	return m, nil
}

// Delete removes the text of uid's own message, leaving a tombstone; the
// members get message_deleted, and those who had not read it one unread
// message less.
func (s *Service) Delete(ctx context.Context, uid, roomID, mid string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, m, err := s.ownMessage(ctx, uid, roomID, mid)
	if err != nil {
		return Message{}, err
	}
	now := s.clk.Now().UTC()
	m.Text, m.Deleted, m.EditedAt = "", true, &now
	p := puts{}
	for _, x := range r.Members {
		if x == uid {
			continue
		}
		var st member
		if _, err := s.get(ctx, memberKey(x, r.ID), &st); err != nil {
			return Message{}, err
		}
		if st.ReadUpTo < m.ID && st.Unread > 0 {
			st.Unread--
			if err := p.set(memberKey(x, r.ID), st); err != nil {
				return Message{}, err
			}
		}
	}
	if err := s.writeChange(ctx, r, m, p); err != nil {
		return Message{}, err
	}
	s.publish(ctx, "message_deleted", MessageEvent{RoomID: r.ID, Message: m}, r.Members...)
	return m, nil
}

// writeChange stores a changed message, and the room when it is its last
// message, with p in one batch.
func (s *Service) writeChange(ctx context.Context, r Room, m Message, p puts) error {
	if p == nil {
		p = puts{}
	}
	if err := p.set(messageKey(r.ID, m.ID), m); err != nil {
		return err
	}
	if r.LastMessage != nil && r.LastMessage.ID == m.ID {
		r.LastMessage = &m
		if err := p.set(roomKey(r.ID), r); err != nil {
			return err
		}
	}
	if err := s.kv.WriteBatch(ctx, p, nil); err != nil {
		return fmt.Errorf("chat: store message %s: %w", m.ID, err)
	}
	return nil
}
