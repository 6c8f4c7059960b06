package aritel_test

import (
	"context"
	"log"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/ari"
)

// Example shows how the daemon wires the dialer to Asterisk and mounts its
// API (behind the daemon's authentication).
func Example() {
	ctx := context.Background()
	conn, err := ari.New("http://127.0.0.1:8088", ari.WithAuth("pbxagent", "secret"), ari.WithApps("pbxagent-dialer"))
	if err != nil {
		log.Fatal(err)
	}
	tel := aritel.New(conn, "pbxagent-dialer", aritel.WithAMDContext("dialer-amd"))
	if err := conn.Start(); err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	d := dialer.New(tel, dialer.WithStore(dialer.NewMemoryStore()))
	go func() { _ = tel.Run(ctx, d.HandleEvent) }()
	d.Start(ctx)
	defer d.Close()

	mux := http.NewServeMux()
	api := dialer.NewHandler(d)
	mux.Handle("/api/v1/campaigns", api)
	mux.Handle("/api/v1/campaigns/", api)
	mux.Handle("/api/v1/agents", api)
	mux.Handle("/api/v1/agents/", api)
	mux.Handle("/api/v1/dnc", api)
	mux.Handle("/api/v1/dialer/", api)
	_ = mux // serve behind auth
}
