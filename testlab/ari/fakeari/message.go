package fakeari

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// TextMessage is a message sent with PUT /endpoints/sendMessage.
type TextMessage struct {
	To, From, Body string
	Variables      map[string]string
}

// messageTechs are the technologies with a message handler in a stock
// Asterisk 22 (res_pjsip_messaging "pjsip", chan_sip is gone; res_xmpp
// "xmpp"): ast_msg_send looks the handler up by the part of to before ':'.
var messageTechs = []string{"pjsip", "xmpp"}

// hSendMessage implements ast_ari_endpoints_send_message and send_message
// of res/ari/resource_endpoints.c (Asterisk 22.10.1): an empty to is 400
// "To must be specified"; otherwise the message is handed to ast_msg_send,
// and when that fails (main/message.c: "Unknown message tech" when no
// handler has the technology before ':') the answer is 404 "Endpoint not
// found", else 202 Accepted. A real Asterisk 22.10.1 without PJSIP
// answers 404 to "pjsip:101" and "local:101@desks" alike. (Before
// Asterisk 20, commit 61116d5dbc, send_message went on to answer 202.)
// https://github.com/asterisk/asterisk/blob/22.10.1/res/ari/resource_endpoints.c
func (s *Server) hSendMessage(r *request) response {
	to := r.q.Get("to")
	if to == "" {
		return fail(http.StatusBadRequest, "To must be specified")
	}
	tech, _, _ := strings.Cut(to, ":")
	if !slices.Contains(messageTechs, strings.ToLower(tech)) {
		return fail(http.StatusNotFound, "Endpoint not found")
	}
	s.messages = append(s.messages, TextMessage{To: to, From: r.q.Get("from"), Body: r.q.Get("body"), Variables: maps.Clone(r.vars)})
	return response{http.StatusAccepted, nil}
}

// Messages returns the messages sent through PUT /endpoints/sendMessage,
// oldest first.
func (s *Server) Messages() []TextMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}
