package chat

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Online says whether a user has a client connected to the events
// socket (*events.Handler).
type Online interface {
	Connected(userID string) bool
}

// Texter sends a SIP MESSAGE through ARI (PUT /endpoints/sendMessage):
// to and from are URIs such as "pjsip:101".
type Texter interface {
	SendMessage(ctx context.Context, to, from, body string, variables map[string]string) error
}

// sipTimeout bounds one ARI request.
const sipTimeout = 5 * time.Second

// WithSIP makes Send deliver a message to the desk phones of each member
// with no client connected (online) as a SIP MESSAGE through t, when
// Config.SIPMessages is on. A message Asterisk accepts for all of a
// member's endpoints counts as delivered to them (message_delivered with
// via "sip").
func WithSIP(t Texter, online Online) Option {
	return func(s *Service) {
		s.sip = &sipSender{t: t, online: online, queue: make(chan sipJob, sipQueue), s: s}
	}
}

type sipJob struct {
	room Room
	msg  Message
}

// sipSender sends the SIP MESSAGEs from a queue, so that Send never waits
// for ARI.
type sipSender struct {
	s      *Service
	t      Texter
	online Online
	queue  chan sipJob
}

// toPhones queues m for the members with no client connected (caller
// holds mu).
func (s *Service) toPhones(r Room, m Message) {
	if s.sip == nil || !s.cfg.SIPMessages {
		return
	}
	select {
	case s.sip.queue <- sipJob{room: r, msg: m}:
	default:
		s.log.Warn("chat: SIP MESSAGE queue full; the message is only in the chat", "room", r.ID, "message", m.ID)
	}
}

func (x *sipSender) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-x.queue:
			x.send(ctx, j)
		}
	}
}

// send sends j to each member other than its sender with no client
// connected.
func (x *sipSender) send(ctx context.Context, j sipJob) {
	from, ok := x.s.users.Person(ctx, j.msg.Sender)
	if !ok {
		return
	}
	for _, uid := range j.room.Members {
		if uid == j.msg.Sender || x.online.Connected(uid) {
			continue
		}
		p, ok := x.s.users.Person(ctx, uid)
		if !ok || len(p.Endpoints) == 0 {
			continue
		}
		sent := 0
		for _, ep := range p.Endpoints {
			to, ok := sipURI(ep)
			if !ok {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, sipTimeout)
			err := x.t.SendMessage(rctx, to, sipFrom(from), sipBody(j.room, from, j.msg), nil)
			cancel()
			if err != nil {
				x.s.log.Warn("chat: SIP MESSAGE failed", "to", to, "message", j.msg.ID, "err", err)
				continue
			}
			sent++
		}
		if sent > 0 {
			if _, err := x.s.MarkDelivered(ctx, uid, j.room.ID, j.msg.ID, "sip"); err != nil {
				x.s.log.Debug("chat: receipt of a SIP MESSAGE", "message", j.msg.ID, "err", err)
			}
		}
	}
}

// sipURI is the ARI address of an endpoint: "PJSIP/101" is "pjsip:101"
// (ARI's sendMessage takes tech:resource, the technology in lower case:
// https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Asterisk_REST_Interface/Endpoints_REST_API/#sendmessage).
// Only technologies with a message handler take one (PJSIP, and chan_sip
// on Asterisk before 21): to a Local or IAX2 endpoint Asterisk answers
// 404 "Endpoint not found", so none is tried.
func sipURI(ep string) (string, bool) {
	tech, res, ok := strings.Cut(ep, "/")
	if !ok || res == "" {
		return "", false
	}
	switch tech = strings.ToLower(tech); tech {
	case "pjsip", "sip":
		return tech + ":" + res, true
	}
	return "", false
}

// sipFrom is the sender of a SIP MESSAGE: the first extension of the
// chat's sender, as a bare user. res_pjsip_messaging's update_from puts a
// from that does not parse as a name-addr into the From URI's user part
// and keeps the host the endpoint gives (from_domain or the default); a
// name-addr would need a host pbxagent does not know, and "sip:101" parses
// as a host. A sender without an extension leaves the endpoint's From
// (update_from ignores an empty from).
// https://github.com/asterisk/asterisk/blob/master/res/res_pjsip_messaging.c
func sipFrom(p Person) string {
	if len(p.Extensions) > 0 {
		return p.Extensions[0]
	}
	return ""
}

// sipBody is the text a phone shows: the sender's name first, and the
// group's name before it for a group (the phone shows only the From's
// number).
func sipBody(r Room, from Person, m Message) string {
	if r.Kind == KindGroup {
		return fmt.Sprintf("[%s] %s: %s", r.Name, from.Name, m.Text)
	}
	return from.Name + ": " + m.Text
}
