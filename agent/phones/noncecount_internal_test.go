package phones

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzNonceCounts: against a model that remembers every accepted count
// forever, the bounded table never accepts a count at or below one it
// accepted for the same nonce (no replay, whatever it dropped), never a
// zero, never holds more than its bound, and while it has never had to
// drop a nonce early it accepts exactly the counts above the last.
func FuzzNonceCounts(f *testing.F) {
	f.Add(uint8(3), []byte{0, 1, 0, 0, 1, 0, 0, 2, 0, 1, 1, 0})
	f.Add(uint8(1), []byte{0, 1, 1, 1, 1, 1, 2, 1, 1, 0, 2, 0})
	f.Add(uint8(2), []byte{5, 3, 3, 5, 3, 3, 5, 4, 3, 0, 7, 0, 1, 1, 0})
	f.Fuzz(func(t *testing.T, size uint8, ops []byte) {
		const ttl = 10 * time.Second
		max := int(size%4) + 1
		c := newNonceCounts(max, ttl)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		now := t0
		issued := func(i int) time.Time { return t0.Add(time.Duration(i) * 2 * time.Second) }
		best := map[int]uint32{} // the model: highest count accepted per nonce
		dropped := false
		for len(ops) >= 3 {
			i, nc := int(ops[0]%6), uint32(ops[1]%8)
			now = now.Add(time.Duration(ops[2]%4) * time.Second)
			ops = ops[3:]
			age := now.Sub(issued(i))
			if age < -time.Minute || age > ttl {
				continue // the caller refuses it as expired first
			}
			live := 0
			for j, n := range best {
				if a := now.Sub(issued(j)); n > 0 && a <= ttl {
					live++
				}
			}
			if _, ok := best[i]; !ok && live >= max {
				dropped = true // the table must drop a nonce early (or refuse)
			}
			got := c.use(fmt.Sprint("n", i), "u", nc, issued(i), now)
			prev, seen := best[i]
			switch {
			case got && nc == 0:
				t.Fatalf("accepted count 0 for nonce %d", i)
			case got && seen && nc <= prev:
				t.Fatalf("replay: nonce %d count %d accepted after %d", i, nc, prev)
			case !dropped && got != (nc > prev):
				t.Fatalf("nonce %d count %d after %d (seen %v): accepted %v", i, nc, prev, seen, got)
			}
			if got {
				best[i] = nc
			}
			if n := c.len(); n > max {
				t.Fatalf("%d entries, bound %d", n, max)
			}
		}
	})
}

// FuzzParseNonceCount: an nc is exactly 8 hex digits, not all zero.
func FuzzParseNonceCount(f *testing.F) {
	for _, s := range []string{"00000001", "0000000a", "FFFFFFFF", "00000000", "1", "+0000001", "0x000001", "0000_001", "000000001", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseNonceCount(s)
		want := len(s) == 8 && strings.Trim(s, "0123456789abcdefABCDEF") == "" && strings.Trim(s, "0") != ""
		if ok != want {
			t.Fatalf("%q: ok %v, want %v", s, ok, want)
		}
		if ok {
			if v, _ := strconv.ParseUint(s, 16, 64); uint64(n) != v {
				t.Fatalf("%q: %d, want %d", s, n, v)
			}
		}
	})
}
