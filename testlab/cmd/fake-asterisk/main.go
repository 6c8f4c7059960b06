// Command fake-asterisk runs the testlab Asterisk ARI stand-in on real time:
//
//	go run ./testlab/cmd/fake-asterisk -listen 127.0.0.1:8088 -user U -pass P
//
// ARI is served under /ari (REST and the events WebSocket) and the control
// API under /testlab (see testlab/README.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fake-asterisk:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fake-asterisk", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8088", "address to listen on")
	user := fs.String("user", "asterisk", "ARI user")
	pass := fs.String("pass", "asterisk", "ARI password")
	seed := fs.Uint64("seed", 1, "seed for scripted customers")
	amd := fs.String("amd", "", "dialplan context whose `continue` runs a simulated AMD()")
	agents := fs.String("agents", "PJSIP/agent", "endpoint prefix of agent phones (answer after 1 s, never hang up)")
	custPrefix := fs.String("customers", "PJSIP/", "endpoint prefix of scripted customers")
	answer := fs.Float64("answer", 0.3, "customer answer probability")
	machine := fs.Float64("machine", 0.1, "share of answers that are answering machines")
	busy := fs.Float64("busy", 0.05, "share of attempts that are busy")
	ringMin := fs.Duration("ring-min", 5*time.Second, "shortest ring before a customer answers")
	ringMax := fs.Duration("ring-max", 25*time.Second, "longest ring before a customer answers")
	talk := fs.Duration("talk", 2*time.Minute, "mean customer talk time (exponential)")
	desks := fs.String("desks", "", "endpoint prefix of users' desk phones (e.g. PJSIP/desk); empty: none")
	deskAnswer := fs.Duration("desk-answer", 0, "desk phones answer after this long; 0: they ring until POST /testlab/channels/{id}/answer or reject")
	endpoints := fs.String("endpoints", "", "comma-separated endpoints listed by GET /ari/endpoints")
	verbose := fs.Bool("v", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := []fakeari.Option{
		fakeari.WithAuth(*user, *pass),
		fakeari.WithLogger(log),
		fakeari.WithSeed(*seed),
		fakeari.WithPeer(*custPrefix, fakeari.Customers{
			AnswerProb: *answer, MachineProb: *machine, BusyProb: *busy,
			RingMin: *ringMin, RingMax: *ringMax, FailRing: 2 * time.Second, TalkMean: *talk,
		}),
		fakeari.WithPeer(*agents, fakeari.Agent{AnswerAfter: time.Second}),
	}
	if *desks != "" {
		opts = append(opts, fakeari.WithPeer(*desks, fakeari.Desk{AnswerAfter: *deskAnswer, Manual: *deskAnswer == 0}))
	}
	if *amd != "" {
		opts = append(opts, fakeari.WithAMD(*amd))
	}
	if *endpoints != "" {
		opts = append(opts, fakeari.WithEndpoints(strings.Split(*endpoints, ",")...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := fakeari.New(opts...)
	url, err := srv.Start(ctx, *listen)
	if err != nil {
		return err
	}
	log.Info("fake-asterisk listening", "ari", url+"/ari", "control", url+"/testlab", "user", *user)
	<-ctx.Done()
	log.Info("fake-asterisk stopping")
	return srv.Close()
}
