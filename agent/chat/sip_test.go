package chat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type texter struct {
	mu   sync.Mutex
	sent []string // "to|from|body"
	fail map[string]bool
	got  chan struct{}
}

func (x *texter) SendMessage(_ context.Context, to, from, body string, _ map[string]string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	defer func() { x.got <- struct{}{} }()
	if x.fail[to] {
		return errors.New("refused")
	}
	x.sent = append(x.sent, to+"|"+from+"|"+body)
	return nil
}

type online map[string]bool

func (o online) Connected(id string) bool { return o[id] }

func TestSIPMessagesGoToMembersWithoutAClient(t *testing.T) {
	tx := &texter{got: make(chan struct{}, 16), fail: map[string]bool{"pjsip:103": true}}
	cfg := DefaultConfig()
	cfg.SIPMessages = true
	e := newEnv(t, cfg, WithSIP(tx, online{bob: true}))
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.s.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	g, _, err := e.s.CreateRoom(ctx, alice, CreateRoomRequest{Kind: KindGroup, Name: "Desk", Members: []string{bob, carol, dave}})
	if err != nil {
		t.Fatal(err)
	}
	e.pub.take()
	m := e.send(t, alice, g.ID, "lunch?")
	// bob is online, dave has no endpoint: only carol's phone is tried,
	// and Asterisk refuses it.
	select {
	case <-tx.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no SIP MESSAGE")
	}
	d := e.direct(t, alice, carol)
	tx.mu.Lock()
	tx.fail = nil
	tx.mu.Unlock()
	e.send(t, alice, d, "call me")
	select {
	case <-tx.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no SIP MESSAGE")
	}
	tx.mu.Lock()
	sent := tx.sent
	tx.mu.Unlock()
	if len(sent) != 1 || sent[0] != "pjsip:103|101|Alice: call me" {
		t.Fatalf("sent %q", sent)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := e.s.Room(ctx, carol, d)
		if v.Delivered != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the SIP MESSAGE accepted does not count as delivered")
		}
		time.Sleep(time.Millisecond)
	}
	if v, _ := e.s.Room(ctx, carol, g.ID); v.Delivered == m.ID {
		t.Fatal("a refused SIP MESSAGE counts as delivered")
	}
	if got := sipBody(g.Room, people[alice], m); got != "[Desk] Alice: lunch?" {
		t.Fatalf("group body %q", got)
	}
}

func TestSIPURI(t *testing.T) {
	for _, tc := range []struct {
		ep, want string
		ok       bool
	}{
		{ep: "PJSIP/101", want: "pjsip:101", ok: true},
		{ep: "pjsip/alice", want: "pjsip:alice", ok: true},
		{ep: "PJSIP", ok: false},
		{ep: "/101", ok: false},
		{ep: "SIP/101", want: "sip:101", ok: true},
		{ep: "Local/101@desks", ok: false},
		{ep: "IAX2/101", ok: false},
	} {
		got, ok := sipURI(tc.ep)
		if got != tc.want || ok != tc.ok {
			t.Errorf("sipURI(%q) = %q %v", tc.ep, got, ok)
		}
	}
}
