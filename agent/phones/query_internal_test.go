package phones

import (
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzPhoneQuery: parsePhoneQuery reads what url.ParseQuery reads.
func FuzzPhoneQuery(f *testing.F) {
	for _, s := range []string{"", "q=a&token=b", "%71=x&q=y", "q=%zz&q=ok", "a;b=c&token=t", "term=+x+&q", "token=a&token=b", "token=&token=a&token=%zz", "token=a&t%6Fken=a&token=c", "page=2&cursor=a%2Bb", "&&=&token=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		got := parsePhoneQuery(raw)
		want := phoneQuery{token: v.Get("token"), number: v.Get("number"), cursor: v.Get("cursor"), page: v.Get("page"),
			toks: tokenValues(raw)}
		switch {
		case v.Has("q"):
			want.term, want.hasTerm = v.Get("q"), true
		case v.Has("term"):
			want.term, want.hasTerm = v.Get("term"), true
		}
		if got != want {
			t.Fatalf("%q: got %+v, want %+v", raw, got, want)
		}
	})
}

// tokenValues is the reference for phoneQuery.toks: every token pair's
// value (unescaped, or as sent when it does not unescape), the first two
// distinct non-empty ones.
func tokenValues(raw string) urlTokens {
	var t urlTokens
	for _, pair := range strings.Split(raw, "&") {
		if strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err != nil || dk != "token" {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if v == "" || (t.n > 0 && v == t.first) || t.n == 2 {
			continue
		}
		if t.n == 0 {
			t.first = v
		} else {
			t.other = v
		}
		t.n++
	}
	return t
}

// TestKeyHash: the ETag hash is FNV-1a of the cache key string.
func TestKeyHash(t *testing.T) {
	for _, c := range []struct {
		key    string
		useGen bool
		gen    uint64
	}{{"yealink\x00global", true, 0}, {"cisco\x00owner:bob", true, 1 << 63}, {"prov\x00x", false, 7}, {"", false, 0}} {
		h := fnv.New64a()
		h.Write([]byte(cacheKey(c.key, c.useGen, c.gen)))
		if got := keyHash(c.key, c.useGen, c.gen); got != h.Sum64() {
			t.Errorf("%q %v %d: %x, want %x", c.key, c.useGen, c.gen, got, h.Sum64())
		}
		if e := etagOf(h.Sum64()); e != `W/"`+strconv.FormatUint(h.Sum64(), 36)+`"` {
			t.Errorf("etag %s", e)
		}
	}
}
