package pmssim

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSim drives the simulator as a PBX would, with raw bytes: link
// start, a posting answered (and its duplicate counted once), a resync.
func TestSim(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	var seen []string
	s, err := Start(OnRecord(func(in bool, body string) {
		mu.Lock()
		defer mu.Unlock()
		if in {
			seen = append(seen, body)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	send := func(bodies ...string) {
		t.Helper()
		for _, b := range bodies {
			if _, err := c.Write(frame(b)); err != nil {
				t.Fatal(err)
			}
		}
	}
	expect := func(want string) {
		t.Helper()
		got, err := readFrame(r)
		if err != nil || !strings.HasPrefix(got, want) {
			t.Fatalf("read %q, %v; want %q…", got, err, want)
		}
	}
	send("LS|", "LD|V#1|IFPB|", "LR|RIPA|FLRNASP#|", "LR|RIGI|FLRNGN|", "junk", "LA|")
	expect("LA|")
	if err := s.WaitLinked(ctx, 1); err != nil {
		t.Fatal(err)
	}
	send("PS|RN101|PTC|TA125|P#1|", "PS|RN101|PTC|TA125|P#1|")
	expect("PA|RN101|ASOK|P#1|") // only the fields the PBX's LR declared for PA
	expect("PA|RN101|ASOK|P#1|")
	if ps, dups := s.Postings(); len(ps) != 1 || dups != 1 {
		t.Fatalf("postings %v, %d again", ps, dups)
	}
	s.SetOccupied("102", &Guest{Name: "Rossi", Reservation: "7"})
	send("DR|")
	expect("DS|")
	expect("GI|RN102|GNRossi|")
	expect("DE|")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 6 {
		t.Fatalf("OnRecord saw %v", seen)
	}
}
