package callhistory

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Key layout in the namespace (every key ends with "<time>-<call id>", the
// record's position, which is also the paging cursor):
//
//	t/<time>-<id>          the record, across users (supervisors, retention)
//	u/<user>/<time>-<id>   the record, in its user's history
//
// <time> is the call's start in Unix nanoseconds as 16 hex digits, so that
// keys sort as time does; <user> is the user id, query-escaped.
const (
	pfxTime = "t/"
	pfxUser = "u/"
	// keyEnd sorts after every position (hex digits, '-', id characters).
	keyEnd = "~"
)

// maxIDLen bounds a call id inside a position (cursors come from clients).
const maxIDLen = 128

// timeKey is the first position at or after t.
func timeKey(t time.Time) string {
	n := t.UnixNano()
	if n < 0 {
		n = 0
	}
	return fmt.Sprintf("%016x", uint64(n))
}

// position is a record's place in every listing.
func position(r *Record) string { return timeKey(r.CreatedAt) + "-" + r.ID }

// userPrefix is the prefix of one user's records.
func userPrefix(userID string) string { return pfxUser + url.QueryEscape(userID) + "/" }

// keys are both keys of r.
func keys(r *Record) (byTime, byUser string) {
	p := position(r)
	return pfxTime + p, userPrefix(r.UserID) + p
}

// validPosition reports whether p has a position's shape: 16 hex digits,
// '-', a call id of letters, digits and "._-".
func validPosition(p string) bool {
	tm, id, ok := strings.Cut(p, "-")
	if !ok || len(tm) != 16 || id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(tm); i++ {
		if !isHex(tm[i]) {
			return false
		}
	}
	return validID(id)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// validID reports whether id is made of letters, digits and "._-".
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
