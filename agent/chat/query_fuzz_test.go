package chat

import (
	"net/url"
	"testing"
)

func FuzzParseQuery(f *testing.F) {
	f.Add("before=01jeq7h2b3c4d5e6f7g8h9j0ka&limit=10&q=hi")
	f.Add("after=zz&limit=-1")
	f.Add("q=%ff&limit=99999999999999999999")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			return
		}
		if q.Limit < 1 || q.Limit > maxLimit || (q.Before != "" && !validID(q.Before)) || (q.After != "" && !validID(q.After)) ||
			(q.Before != "" && q.After != "") || len(q.Search) > maxSearch {
			t.Fatalf("accepted %q as %+v", raw, q)
		}
	})
}
