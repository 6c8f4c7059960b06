// Command contactsvc runs the reference custom contacts service
// (testlab/contactsvc) for integrators and manual tests:
//
//	contactsvc -listen 127.0.0.1:5555 -client-id test_id -client-secret test_secret -seed 1000
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5555", "listen address")
	id := flag.String("client-id", "test_id", "client id for GET /token")
	secret := flag.String("client-secret", "test_secret", "client secret for GET /token")
	ttl := flag.Duration("token-ttl", 2*time.Minute, "JWT lifetime")
	seed := flag.Int("seed", 100, "number of synthetic contacts to start with")
	keep := flag.Bool("keep-deletions", false, "filter deletions by timestamp instead of handing them out once")
	flag.Parse()
	s := contactsvc.New(contactsvc.Options{ClientID: *id, ClientSecret: *secret, TokenTTL: *ttl, KeepDeletions: *keep})
	for i := 0; i < *seed; i++ {
		s.Put(contactsvc.Synthetic(i, ""))
	}
	slog.Info("contactsvc listening", "addr", *listen, "contacts", *seed)
	srv := &http.Server{Addr: *listen, Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("contactsvc", "err", err)
		os.Exit(1)
	}
}
