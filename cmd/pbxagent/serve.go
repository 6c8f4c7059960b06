package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/config"
)

// runServe runs the daemon until ctx ends (SIGINT/SIGTERM).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	cfg, code := serveConfig(args, stderr, environ)
	if code >= 0 {
		return code
	}
	// Every line the daemon prints goes through the configured handler,
	// the standard library's log package's (used by some libraries) too.
	log := newLogger(stderr, cfg.Log)
	slog.SetDefault(log)
	agent.SetLibraryLogging(cfg, log)
	d, err := agent.New(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if d.TokenCreated {
		log.Info("generated an admin token; use it as PBXAGENT_TOKEN for the client commands", "path", d.TokenPath, "mode", "0600")
	}
	if err := d.Run(ctx); err != nil {
		log.Error("stopped with errors", "err", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runVersion(stdout io.Writer) int {
	fmt.Fprintln(stdout, "pbxagent", agent.Version)
	return 0
}

// serveConfig resolves the daemon's configuration from the serve flags,
// the environment and the file: flag > environment > file > default. Every
// key has a flag named by its YAML path (--http.addr, --store.memory_mb);
// the common ones also have a short form (--http, --data …). It returns a
// negative code when the daemon should start, else the exit code.
func serveConfig(args []string, stderr io.Writer, environ []string) (config.Config, int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML configuration file (keys documented in docs/configuration.md)")
	data := fs.String("data", "", "data directory (data_dir; default ./data)")
	httpAddr := fs.String("http", "", "HTTP listen address (http.addr; default 127.0.0.1:8080)")
	agi := fs.String("agi", "\x00", "FastAGI listen address (agi.addr; default 127.0.0.1:4573; empty disables)")
	sipAddr := fs.String("sip-redirect", "", "SIP redirect listen address, UDP and TCP (sip_redirect.addr; empty disables)")
	ariURL := fs.String("ari-url", "", "Asterisk ARI base URL (ari.url), e.g. http://127.0.0.1:8088")
	ariUser := fs.String("ari-user", "", "ARI user (ari.user)")
	ariPass := fs.String("ari-pass", "", "ARI password (ari.pass; prefer PBXAGENT_ARI_PASS)")
	region := fs.String("region", "", "default region for numbers (numbers.default_region), e.g. BA, DE, US")
	logLevel := fs.String("log-level", "", "debug, info, warn or error (log.level)")
	type override struct{ path, value string }
	var keyFlags []override
	for _, k := range config.Keys() {
		fs.Func(k.Path, "config key "+k.Path+" (also "+k.Env+")", func(v string) error {
			keyFlags = append(keyFlags, override{k.Path, v})
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, 0
		}
		return config.Config{}, 2
	}
	cfg, err := config.Load(*cfgPath, environ)
	if err != nil {
		fmt.Fprintln(stderr, "pbxagent:", err)
		return cfg, 2
	}
	for _, o := range keyFlags {
		if err := cfg.Set(o.path, o.value); err != nil {
			fmt.Fprintln(stderr, "pbxagent:", err)
			return cfg, 2
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.DataDir, *data)
	set(&cfg.HTTP.Addr, *httpAddr)
	if *agi != "\x00" {
		cfg.AGI.Addr = *agi
	}
	set(&cfg.SIP.Addr, *sipAddr)
	set(&cfg.ARI.URL, *ariURL)
	set(&cfg.ARI.User, *ariUser)
	set(&cfg.ARI.Pass, *ariPass)
	set(&cfg.Numbers.DefaultRegion, *region)
	set(&cfg.Log.Level, *logLevel)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "pbxagent:", err)
		return cfg, 2
	}
	return cfg, -1
}
