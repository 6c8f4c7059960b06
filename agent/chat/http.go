package chat

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Handler serves the chat API.
type Handler struct{ s *Service }

// NewHandler returns the API of s.
func NewHandler(s *Service) *Handler { return &Handler{s: s} }

// maxLimit bounds a page of messages.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// Routes lists the chat routes (scope chat). Every one checks that the
// caller is a member of the room: another's room is 404.
func (x *Handler) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	roomID := platform.Param{Name: "id", In: "path", Required: true, Description: "The room's id", Schema: str, Example: "01jeq7h2b3c4d5e6f7g8h9j0k1"}
	msgID := platform.Param{Name: "mid", In: "path", Required: true, Description: "The message's id", Schema: str, Example: "01jeq7j5m8n9p0q1r2s3t4v5w6"}
	errBody := platform.Body{ContentType: "application/json", Description: "a field is invalid (named in details)", Schema: platform.ErrorBody{}}
	notFound := platform.Body{ContentType: "application/json", Description: "no such room, or the caller is not a member", Schema: platform.ErrorBody{}}
	forbidden := platform.Body{ContentType: "application/json", Description: "the caller is not a user", Schema: platform.ErrorBody{}}
	json := func(desc string, schema any) platform.Body {
		return platform.Body{ContentType: "application/json", Description: desc, Schema: schema}
	}
	req := func(desc string, schema any) *platform.Body { b := json(desc, schema); return &b }
	route := func(method, path, id, summary, desc string, params []platform.Param, in *platform.Body, resp map[int]platform.Body, h http.HandlerFunc) platform.Route {
		resp[403] = forbidden
		if len(params) > 0 {
			resp[404] = notFound
		}
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeChat, Handler: h, Op: platform.Operation{
			ID: id, Summary: summary, Description: desc, Params: params, Request: in, Responses: resp}}
	}
	tooLong := json("the text is longer than chat.max_message_bytes (details name text)", platform.ErrorBody{})
	return []platform.Route{
		route(http.MethodGet, "/api/v1/chat/rooms", "listChatRooms", "The caller's chat rooms, the most recently active first, with unread counts",
			"Each room with its last message and the caller's unread count, read_up_to and delivered_up_to. A client that was offline "+
				"loads this list on connecting and then the messages after read_up_to of the rooms with unread messages.",
			nil, nil, map[int]platform.Body{200: json("the rooms", RoomList{})}, x.list),
		route(http.MethodGet, "/api/v1/chat/users", "listChatUsers", "The users the caller may chat with",
			"Every enabled user but the caller, by username: their id (for members), username and display name.",
			nil, nil, map[int]platform.Body{200: json("the users", ContactList{})}, x.contacts),
		route(http.MethodPost, "/api/v1/chat/rooms", "createChatRoom", "Open the direct room with a user (found or created) or create a group",
			"kind direct (default): members holds the one other user; the pair's room is returned (200) when it exists, created (201) otherwise. "+
				"kind group: a new room named name with the caller and members (at most 100); the caller is its admin. Members get room_updated.",
			nil, req("the room", CreateRoomRequest{}), map[int]platform.Body{200: json("the direct room, which existed", RoomView{}),
				201: json("the room, created", RoomView{}), 400: errBody}, x.create),
		route(http.MethodGet, "/api/v1/chat/rooms/{id}", "getChatRoom", "One of the caller's rooms", "",
			[]platform.Param{roomID}, nil, map[int]platform.Body{200: json("the room", RoomView{})}, x.get),
		route(http.MethodPatch, "/api/v1/chat/rooms/{id}", "updateChatRoom", "Rename a group or set its members (its admins only)",
			"members replaces the whole list; an admin must stay. Removed members no longer see the room; added ones see its history with nothing unread. "+
				"The members before and after get room_updated. A direct room cannot be changed (400).",
			[]platform.Param{roomID}, req("what changes", UpdateRoomRequest{}), map[int]platform.Body{200: json("the room", RoomView{}), 400: errBody}, x.update),
		route(http.MethodGet, "/api/v1/chat/rooms/{id}/messages", "listChatMessages", "A page of a room's messages, oldest first",
			"Without before or after: the newest messages. before: the newest of those older than that id; after: the oldest of those newer "+
				"than that id (catching up). has_more says whether more lie beyond in that direction. q keeps messages whose text holds it, in any case. "+
				"Deleted messages stay as tombstones (deleted, no text).",
			[]platform.Param{roomID,
				{Name: "before", In: "query", Description: "Messages older than this message id", Schema: str, Example: "01jeq7j5m8n9p0q1r2s3t4v5w6"},
				{Name: "after", In: "query", Description: "Messages newer than this message id", Schema: str, Example: "01jeq7j5m8n9p0q1r2s3t4v5w6"},
				{Name: "limit", In: "query", Description: "Messages per page, 1–200 (default 50)", Schema: map[string]any{"type": "integer"}, Example: 50},
				{Name: "q", In: "query", Description: "Only messages whose text holds this, in any case", Schema: str, Example: "meeting"}},
			nil, map[int]platform.Body{200: json("the messages", MessagePage{}), 400: errBody}, x.messages),
		route(http.MethodPost, "/api/v1/chat/rooms/{id}/messages", "sendChatMessage", "Send a message to a room",
			"Stored before the answer (it survives a crash of the daemon once answered), then published as message_received to the members. "+
				"A retry with the same client_id returns the stored message (200) instead of sending it twice. Each user may send "+
				"chat.rate_per_minute messages a minute on average, chat.burst at once; over that the answer is 429 with Retry-After (seconds). "+
				"Members without a client connected get it on their desk phones as a SIP MESSAGE when chat.sip_messages is on.",
			[]platform.Param{roomID}, req("the message", SendRequest{}), map[int]platform.Body{200: json("the message, stored by an earlier try with this client_id", Message{}),
				201: json("the message, stored", Message{}), 400: errBody, 413: json("the body is far larger than a message may be", platform.ErrorBody{}),
				422: tooLong, 429: json("over the rate limit: retry after Retry-After seconds", platform.ErrorBody{})}, x.send),
		route(http.MethodPatch, "/api/v1/chat/rooms/{id}/messages/{mid}", "editChatMessage", "Edit one's own message",
			"Only its sender may (403 for another's message); the members get message_updated.",
			[]platform.Param{roomID, msgID}, req("the new text", EditRequest{}), map[int]platform.Body{200: json("the message", Message{}), 400: errBody, 422: tooLong}, x.edit),
		route(http.MethodDelete, "/api/v1/chat/rooms/{id}/messages/{mid}", "deleteChatMessage", "Delete one's own message",
			"Only its sender may (403 for another's message). The message stays as a tombstone without its text; the members get message_deleted.",
			[]platform.Param{roomID, msgID}, nil, map[int]platform.Body{200: json("the tombstone", Message{})}, x.del),
		route(http.MethodPost, "/api/v1/chat/rooms/{id}/read", "markChatRead", "Mark the room read up to a message (read receipt)",
			"Never moves back. The unread count is recounted; the members get message_read.",
			[]platform.Param{roomID}, req("the last message read", MarkRequest{}), map[int]platform.Body{200: json("the room as the caller now sees it", RoomView{}), 400: errBody}, x.read),
		route(http.MethodPost, "/api/v1/chat/rooms/{id}/delivered", "markChatDelivered", "Acknowledge that a client received the room's messages up to one (delivery receipt)",
			"A client sends it when it has shown or stored the messages it got (on the socket or from the API). Never moves back; the members get message_delivered.",
			[]platform.Param{roomID}, req("the last message received", MarkRequest{}), map[int]platform.Body{200: json("the room as the caller now sees it", RoomView{}), 400: errBody}, x.delivered),
		route(http.MethodPost, "/api/v1/chat/rooms/{id}/typing", "chatTyping", "Tell the room's members the caller is typing",
			"Publishes typing to the members; nothing is stored. Clients send it every few seconds while the user types and show it for about 5 seconds.",
			[]platform.Param{roomID}, nil, map[int]platform.Body{204: {Description: "sent"}}, x.typing),
	}
}

func uid(r *http.Request) string {
	p, _ := platform.PrincipalFrom(r.Context())
	return p.UserID
}

// writeErr writes err, with Retry-After for a rate limit.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var rl *RateLimited
	if errors.As(err, &rl) {
		secs := int(math.Ceil(rl.RetryAfter.Seconds()))
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		platform.WriteError(w, r, http.StatusTooManyRequests, platform.CodeTooManyRequests, err.Error(), nil)
		return
	}
	platform.WriteErr(w, r, err)
}

// decode reads a JSON body of at most a message's worth (escaped).
func (x *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if !platform.RequireContentType(w, r, "application/json") {
		return false
	}
	return x.decodeBody(w, r, v)
}

// memberBody reads the JSON body of a request on room {id} into v once the
// caller is known to be a member: the content type, then membership (a
// non-member learns nothing from the body's errors), then the body.
func (x *Handler) memberBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if !platform.RequireContentType(w, r, "application/json") {
		return false
	}
	if _, err := x.s.Room(r.Context(), uid(r), r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return false
	}
	return x.decodeBody(w, r, v)
}

// decodeBody decodes the body (bounded by the message size) into v.
func (x *Handler) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, int64(6*x.s.cfg.MaxMessageBytes+1024))
	if err := platform.DecodeJSON(r, v); err != nil {
		writeErr(w, r, err)
		return false
	}
	return true
}

func (x *Handler) list(w http.ResponseWriter, r *http.Request) {
	rooms, err := x.s.Rooms(r.Context(), uid(r))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, RoomList{Rooms: rooms})
}

func (x *Handler) contacts(w http.ResponseWriter, r *http.Request) {
	cs, err := x.s.Contacts(r.Context(), uid(r))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, ContactList{Users: cs})
}

func (x *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateRoomRequest
	if !x.decode(w, r, &in) {
		return
	}
	v, created, err := x.s.CreateRoom(r.Context(), uid(r), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	platform.WriteJSON(w, status, v)
}

func (x *Handler) get(w http.ResponseWriter, r *http.Request) {
	v, err := x.s.Room(r.Context(), uid(r), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (x *Handler) update(w http.ResponseWriter, r *http.Request) {
	var in UpdateRoomRequest
	if !x.decode(w, r, &in) {
		return
	}
	v, err := x.s.UpdateRoom(r.Context(), uid(r), r.PathValue("id"), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (x *Handler) messages(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		writeErr(w, r, err)
		return
	}
	page, err := x.s.Messages(r.Context(), uid(r), r.PathValue("id"), q)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

func (x *Handler) send(w http.ResponseWriter, r *http.Request) {
	var in SendRequest
	if !x.memberBody(w, r, &in) {
		return
	}
	m, created, err := x.s.Send(r.Context(), uid(r), r.PathValue("id"), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	platform.WriteJSON(w, status, m)
}

func (x *Handler) edit(w http.ResponseWriter, r *http.Request) {
	var in EditRequest
	if !x.memberBody(w, r, &in) {
		return
	}
	m, err := x.s.Edit(r.Context(), uid(r), r.PathValue("id"), r.PathValue("mid"), in.Text)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, m)
}

func (x *Handler) del(w http.ResponseWriter, r *http.Request) {
	m, err := x.s.Delete(r.Context(), uid(r), r.PathValue("id"), r.PathValue("mid"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, m)
}

func (x *Handler) mark(w http.ResponseWriter, r *http.Request, read bool) {
	var in MarkRequest
	if !x.memberBody(w, r, &in) {
		return
	}
	var v RoomView
	var err error
	if read {
		v, err = x.s.MarkRead(r.Context(), uid(r), r.PathValue("id"), in.UpTo)
	} else {
		v, err = x.s.MarkDelivered(r.Context(), uid(r), r.PathValue("id"), in.UpTo, "")
	}
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (x *Handler) read(w http.ResponseWriter, r *http.Request)      { x.mark(w, r, true) }
func (x *Handler) delivered(w http.ResponseWriter, r *http.Request) { x.mark(w, r, false) }

func (x *Handler) typing(w http.ResponseWriter, r *http.Request) {
	if err := x.s.Typing(r.Context(), uid(r), r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
