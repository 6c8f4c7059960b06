package chat

import (
	"net/url"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// Key layout in the namespace:
//
//	r/<room>                       the room (Room)
//	d/<user a>/<user b>            the direct room of a pair (a < b): its id
//	u/<user>/<room>                a member's state in a room (member)
//	m/<room>/<message>             a message (Message)
//	t/<message>                    the message's room, in time order (retention)
//	c/<room>/<user>/<client id>    the message a client id gave (retries)
//
// Room and message ids are lower-case ULIDs, so a room's messages sort as
// they were sent; user ids and client ids are query-escaped.
const (
	pfxRoom    = "r/"
	pfxDirect  = "d/"
	pfxMember  = "u/"
	pfxMessage = "m/"
	pfxTime    = "t/"
	pfxClient  = "c/"
	// keyEnd sorts after every id character.
	keyEnd = "~"
)

func roomKey(id string) string { return pfxRoom + id }

func directKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return pfxDirect + esc(a) + "/" + esc(b)
}

func memberKey(user, room string) string { return memberPrefix(user) + room }

func memberPrefix(user string) string { return pfxMember + esc(user) + "/" }

func messagePrefix(room string) string { return pfxMessage + room + "/" }

func messageKey(room, id string) string { return messagePrefix(room) + id }

func timeKey(id string) string { return pfxTime + id }

func clientKey(room, user, clientID string) string {
	return pfxClient + room + "/" + esc(user) + "/" + esc(clientID)
}

func esc(s string) string { return url.QueryEscape(s) }

// validID reports whether id has the shape of a room or message id: a
// lower-case ULID (26 characters of Crockford's base 32).
func validID(id string) bool {
	if len(id) != ulid.EncodedSize {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	_, err := ulid.ParseStrict(strings.ToUpper(id))
	return err == nil
}

// idTime is the time part of the ids of messages sent before t: every id
// of a message sent before t sorts before it.
func idTime(t time.Time) string {
	var u ulid.ULID
	if err := u.SetTime(ulid.Timestamp(t)); err != nil {
		return ""
	}
	return strings.ToLower(u.String()[:10])
}
