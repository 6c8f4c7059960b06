package ua

import (
	"context"
	"testing"
	"time"
)

// TestRegisteredPhone calls a phone registered to the Agent's Registrar by
// its user name, and takes calls from it though its address is not in
// Allow (it is the address it registered from); an unregistered user
// from the same address gets 403.
func TestRegisteredPhone(t *testing.T) {
	ports := testPorts(t)
	hp, hx := newAnswering(), newAnswering()
	pbx := startAgent(t, ports, func(c *Config) {
		c.Allow = nil
		c.Registrar = NewRegistrar(RegistrarConfig{Realm: "pbxagent", Password: func(user string) (string, bool) {
			return "pw101", user == "101"
		}})
		c.OnInvite = hx.onInvite
	})
	phone := startAgent(t, ports, func(c *Config) { c.OnInvite = hp.onInvite })
	ctx, cancel := context.WithCancel(context.Background())
	registered := make(chan bool, 4)
	regDone := make(chan error, 1)
	go func() {
		regDone <- phone.Register(ctx, Registration{Registrar: "sip:" + pbx.Addr("udp").String(), AOR: "sip:101@127.0.0.1",
			Username: "101", Password: "pw101", Expires: time.Hour,
			OnChange: func(up bool, err error) { registered <- up }})
	}()
	defer func() {
		cancel()
		<-regDone
	}()
	select {
	case up := <-registered:
		if !up {
			t.Fatal("registration failed")
		}
	case <-time.After(testWait):
		t.Fatal("not registered")
	}

	c, err := pbx.Dial(ctxWait(t), DialRequest{To: "101"})
	if err != nil {
		t.Fatalf("Dial 101: %v", err)
	}
	pc := hp.next(t)
	if err := c.Hangup(ctxWait(t), 16); err != nil {
		t.Fatal(err)
	}
	waitDone(t, pc)

	_, err = phone.Dial(ctxWait(t), DialRequest{To: target(pbx, "9", "udp"), From: "999"})
	if de := dialError(t, err); de.Status != 403 {
		t.Errorf("call from an unregistered user: %+v, want 403", de)
	}
	c, err = phone.Dial(ctxWait(t), DialRequest{To: target(pbx, "9", "udp"), From: "101"})
	if err != nil {
		t.Fatalf("call from the registered phone: %v", err)
	}
	xc := hx.next(t)
	if err := xc.Hangup(ctxWait(t), 16); err != nil {
		t.Fatal(err)
	}
	waitDone(t, c)
	if _, err := pbx.Dial(ctxWait(t), DialRequest{To: "102"}); dialError(t, err).Status != 480 {
		t.Errorf("Dial of an unregistered user: %v, want 480", err)
	}
	idle(t, ports, pbx, phone)
}
