package ari_test

import (
	"context"
	"log"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// A Stasis app that names callers: connect with an app name and Basic
// auth, receive StasisStart, set CALLERID(name), continue, and after every
// (re)connect serve the channels already sitting in the app.
func Example_callerIDApp() {
	ctx := context.Background()
	c, err := ari.New("http://127.0.0.1:8088", ari.WithAuth("pbxagent", "secret"), ari.WithApps("pbxagent-cid"))
	if err != nil {
		log.Fatal(err)
	}
	// Subscribe before Start so the first Reconciled event is not missed.
	sub := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart", ari.TypeReconciled}})
	defer sub.Cancel()
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	serve := func(ch ari.Channel) {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		if err := c.Channels().SetVariable(cctx, ch.ID, "CALLERID(name)", "Alice Example"); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			log.Print(err)
		}
		// The zero DialplanTarget continues at the next priority.
		if err := c.Channels().Continue(cctx, ch.ID, ari.DialplanTarget{}); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			log.Print(err)
		}
	}
	for ev := range sub.Events() {
		switch e := ev.(type) {
		case *ari.StasisStart:
			go serve(e.Channel)
		case *ari.ReconciledEvent:
			// StasisStart is not resent after a reconnect: serve what waits.
			byID := map[string]ari.Channel{}
			for _, ch := range e.Channels {
				byID[ch.ID] = ch
			}
			for _, app := range e.Applications {
				for _, id := range app.ChannelIDs {
					if ch, ok := byID[id]; ok {
						go serve(ch)
					}
				}
			}
		}
	}
}

// Originate with a client-chosen id, subscribing first so no event of the
// call can be missed, then follow it to its end.
func Example_originate() {
	ctx := context.Background()
	c, err := ari.Connect(ctx, "http://127.0.0.1:8088", ari.WithAuth("pbxagent", "secret"), ari.WithApps("dialer"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	id := ari.NewID("pbx-camp1-")
	sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
	defer sub.Cancel()
	if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{
		Endpoint: "PJSIP/+442071234567@trunk", ChannelID: id, AppArgs: []string{"camp1", "lead42"},
		CallerID: `"Acme" <+442070000000>`, Timeout: 25 * time.Second,
	}); err != nil {
		log.Fatal(err)
	}
	for ev := range sub.Events() {
		switch e := ev.(type) {
		case *ari.StasisStart:
			log.Printf("answered: %s", e.Channel.ID)
		case *ari.ChannelDestroyed:
			log.Printf("ended: cause %d %s", e.Cause, e.CauseTxt)
			return
		case *ari.ChannelGoneEvent:
			log.Printf("ended while disconnected")
			return
		}
	}
}
