package fias_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/fias"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
	"github.com/pbxagent/pbxagent/testlab/memkv"
)

// TestListen: the PMS dials in and sends LS first (as PMSs do); the link
// describes itself once, links, and applies the PMS's records.
func TestListen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := hotel.DefaultSettings()
	st.Location = time.UTC
	mgr := manager.New(memkv.New(), st, manager.WithLogger(quiet()))
	if err := mgr.Load(ctx); err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	if _, err := mgr.PutRoom(ctx, hotel.Room{Number: "101"}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	link, err := fias.New(ctx, memkv.New(), fias.Config{KeepAlive: 10 * time.Second, Location: time.UTC}, fias.WithListener(ln), fias.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- link.Run(runCtx, mgr) }()
	defer func() { stop(); <-done }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	write := func(r fias.Record) {
		t.Helper()
		b, err := fias.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	rd := fias.NewReader(conn, 0)
	next := func() fias.Record {
		t.Helper()
		b, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		r, err := fias.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	write(fias.NewRecord("LS", "DA", "261207", "TI", "120000"))
	var types []string
	for {
		r := next()
		types = append(types, r.Type)
		if r.Type == "LA" {
			break
		}
	}
	if types[0] != "LS" || types[1] != "LD" || len(types) != 3+len(fias.OurDefinitions()) {
		t.Fatalf("link start %v", types)
	}
	write(fias.NewRecord("LA"))
	write(fias.NewRecord("WR", "RN", "999", "TI", "0700"))
	if r := next(); r.Type != "WA" || r.Value("AS") != fias.AnswerUnprocessed {
		t.Fatalf("after LA and WR for room 999: %q, want WA ASUR (and no second link description)", r.String())
	}
	write(fias.NewRecord("GI", "RN", "101", "GN", "Rossi"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, _ := mgr.Room(ctx, "101"); r.Occupancy == hotel.Occupied {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("GI over the accepted link not applied")
		}
		<-time.After(time.Millisecond)
	}
	if s := link.State(); !s.Connected {
		t.Fatalf("state %+v", s)
	}

	// The PMS restarts and dials again without closing the old
	// connection: the new one replaces it.
	conn2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if err := conn2.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	rd2 := fias.NewReader(conn2, 0)
	b, err := rd2.Next()
	if err != nil || !strings.HasPrefix(string(b), "LS|") {
		t.Fatalf("new connection: %q, %v; want LS", b, err)
	}
	for {
		if _, err := rd.Next(); err != nil {
			break // the old connection was closed
		}
	}
}
