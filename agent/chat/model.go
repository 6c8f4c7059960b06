package chat

import "time"

// Room kinds.
const (
	KindDirect = "direct" // a one-to-one conversation: one room per pair of users
	KindGroup  = "group"  // a named room of several users
)

// Room is a conversation as stored.
type Room struct {
	ID        string    `json:"id" doc:"The room's id (a ULID)" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	Kind      string    `json:"kind" openapi:"enum=direct|group" doc:"direct: one-to-one, one room per pair of users; group: a named room" example:"group"`
	Name      string    `json:"name" doc:"The group's name (empty for a direct room)" example:"Reception"`
	Members   []string  `json:"members" doc:"User ids of the members" example:"[\"01jeq7h2b3c4d5e6f7g8h9j0k1\",\"01jeq7h2b3c4d5e6f7g8h9j0k2\"]"`
	Admins    []string  `json:"admins" doc:"User ids of the members who may rename the group and add or remove members (its creator)" example:"[\"01jeq7h2b3c4d5e6f7g8h9j0k1\"]"`
	CreatedBy string    `json:"created_by" doc:"User id of the creator" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	CreatedAt time.Time `json:"created_at" doc:"When the room was created" example:"2026-12-07T09:00:00Z"`
	UpdatedAt time.Time `json:"updated_at" doc:"When the room or its last message last changed" example:"2026-12-07T09:14:11Z"`
	// LastMessage is the newest message (nil: none yet, or pruned).
	LastMessage *Message `json:"last_message,omitempty" doc:"The newest message"`
}

// Message is one chat message. A deleted message stays as a tombstone
// (Deleted, no text) so that members see it go and paging stays stable.
type Message struct {
	ID       string     `json:"id" doc:"The message's id (a ULID: ids sort as messages were sent)" example:"01jeq7j5m8n9p0q1r2s3t4v5w6"`
	RoomID   string     `json:"room_id" doc:"The room's id" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	Sender   string     `json:"sender" doc:"User id of the sender" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	Text     string     `json:"text" doc:"The text (UTF-8; empty once deleted)" example:"Meeting at 10?"`
	ClientID string     `json:"client_id,omitempty" doc:"The sender client's id for the message (idempotent retries)" example:"c-7f3a"`
	SentAt   time.Time  `json:"sent_at" doc:"When the server stored it" example:"2026-12-07T09:14:11Z"`
	EditedAt *time.Time `json:"edited_at,omitempty" doc:"When its sender last edited it" example:"2026-12-07T09:15:00Z"`
	Deleted  bool       `json:"deleted,omitempty" doc:"Its sender deleted it" example:"false"`
}

// member is a member's own state in a room, kept beside the room.
type member struct {
	Unread    int    `json:"unread"`
	ReadUpTo  string `json:"read_up_to,omitempty"`
	Delivered string `json:"delivered_up_to,omitempty"`
}

// RoomView is a room as one member sees it.
type RoomView struct {
	Room
	Unread    int    `json:"unread" doc:"Messages of others after read_up_to" example:"3"`
	ReadUpTo  string `json:"read_up_to,omitempty" doc:"The last message this member read" example:"01jeq7j5m8n9p0q1r2s3t4v5w6"`
	Delivered string `json:"delivered_up_to,omitempty" doc:"The last message a client of this member acknowledged" example:"01jeq7j5m8n9p0q1r2s3t4v5w6"`
}

// RoomList is GET /api/v1/chat/rooms.
type RoomList struct {
	Rooms []RoomView `json:"rooms" doc:"The caller's rooms, the most recently active first"`
}

// MessagePage is a page of messages.
type MessagePage struct {
	Messages []Message `json:"messages" doc:"Messages, oldest first"`
	HasMore  bool      `json:"has_more" doc:"More messages lie beyond this page in the direction asked (older for before or none, newer for after)" example:"false"`
}

// CreateRoomRequest is POST /api/v1/chat/rooms.
type CreateRoomRequest struct {
	Kind    string   `json:"kind" openapi:"enum=direct|group" doc:"direct (default): the conversation with the one user in members, found or created; group: a new named room" example:"direct"`
	Name    string   `json:"name,omitempty" doc:"The group's name, 1–100 characters (groups only)" example:"Reception"`
	Members []string `json:"members" doc:"User ids of the others (the caller is added)" example:"[\"01jeq7h2b3c4d5e6f7g8h9j0k2\"]"`
}

// UpdateRoomRequest is PATCH /api/v1/chat/rooms/{id}.
type UpdateRoomRequest struct {
	Name    *string   `json:"name,omitempty" doc:"The group's new name" example:"Front desk"`
	Members *[]string `json:"members,omitempty" doc:"The group's members, all of them (an admin stays a member)" example:"[\"01jeq7h2b3c4d5e6f7g8h9j0k1\",\"01jeq7h2b3c4d5e6f7g8h9j0k3\"]"`
}

// SendRequest is POST /api/v1/chat/rooms/{id}/messages.
type SendRequest struct {
	Text     string `json:"text" doc:"The text: not empty, at most chat.max_message_bytes bytes of UTF-8" example:"Meeting at 10?"`
	ClientID string `json:"client_id,omitempty" doc:"The client's id for this message, up to 64 characters: a retry with the same id returns the message stored the first time" example:"c-7f3a"`
}

// EditRequest is PATCH /api/v1/chat/rooms/{id}/messages/{mid}.
type EditRequest struct {
	Text string `json:"text" doc:"The new text" example:"Meeting at 11?"`
}

// MarkRequest is POST …/read and …/delivered.
type MarkRequest struct {
	UpTo string `json:"up_to" doc:"The id of the last message read (or received): every message up to it counts" example:"01jeq7j5m8n9p0q1r2s3t4v5w6"`
}

// Receipt is the data of message_read and message_delivered.
type Receipt struct {
	RoomID string `json:"room_id" doc:"The room" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	UserID string `json:"user_id" doc:"The member who read (or received)" example:"01jeq7h2b3c4d5e6f7g8h9j0k2"`
	UpTo   string `json:"up_to" doc:"Every message up to this one" example:"01jeq7j5m8n9p0q1r2s3t4v5w6"`
	Via    string `json:"via,omitempty" doc:"sip: delivered to a desk phone as a SIP MESSAGE" example:"sip"`
}

// Typing is the data of typing.
type Typing struct {
	RoomID string `json:"room_id" doc:"The room" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	UserID string `json:"user_id" doc:"The member typing" example:"01jeq7h2b3c4d5e6f7g8h9j0k2"`
}

// MessageEvent is the data of message_received, message_updated and
// message_deleted.
type MessageEvent struct {
	RoomID  string  `json:"room_id"`
	Message Message `json:"message"`
}

// RoomEvent is the data of room_updated (created, renamed, members
// changed): sent to its members before and after the change.
type RoomEvent struct {
	Room    Room     `json:"room"`
	Removed []string `json:"removed,omitempty"`
}

// Contact is a user one may chat with.
type Contact struct {
	ID       string `json:"id" doc:"The user's id" example:"01jeq7h2b3c4d5e6f7g8h9j0k2"`
	Username string `json:"username" doc:"The user's username" example:"bmeier"`
	Name     string `json:"name" doc:"The user's display name (the username when none is set)" example:"Ben Meier"`
}

// ContactList is GET /api/v1/chat/users.
type ContactList struct {
	Users []Contact `json:"users" doc:"Every enabled user, by username"`
}
