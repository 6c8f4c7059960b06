package chat

import (
	"fmt"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// maxSearch bounds the q parameter in bytes.
const maxSearch = 256

// ParseQuery reads the parameters of GET …/messages: before, after (message
// ids, not both), limit (1–200, default 50) and q.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Limit: defaultLimit, Before: v.Get("before"), After: v.Get("after"), Search: v.Get("q")}
	bad := func(field, msg string) (Query, error) {
		return Query{}, platform.Invalid("invalid message query", platform.FieldError{Field: field, Message: msg})
	}
	if q.Before != "" && !validID(q.Before) {
		return bad("before", "is not a message id")
	}
	if q.After != "" && !validID(q.After) {
		return bad("after", "is not a message id")
	}
	if q.Before != "" && q.After != "" {
		return bad("after", "give before or after, not both")
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return bad("limit", fmt.Sprintf("must be an integer within 1–%d", maxLimit))
		}
		q.Limit = n
	}
	if len(q.Search) > maxSearch || !utf8.ValidString(q.Search) {
		return bad("q", fmt.Sprintf("must be UTF-8 of at most %d bytes", maxSearch))
	}
	return q, nil
}
