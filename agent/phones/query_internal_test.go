package phones

import (
	"hash/fnv"
	"net/url"
	"strconv"
	"testing"
)

// FuzzPhoneQuery: parsePhoneQuery reads what url.ParseQuery reads.
func FuzzPhoneQuery(f *testing.F) {
	for _, s := range []string{"", "q=a&token=b", "%71=x&q=y", "q=%zz&q=ok", "a;b=c&token=t", "term=+x+&q", "page=2&cursor=a%2Bb", "&&=&token=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		got := parsePhoneQuery(raw)
		want := phoneQuery{token: v.Get("token"), number: v.Get("number"), cursor: v.Get("cursor"), page: v.Get("page")}
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
