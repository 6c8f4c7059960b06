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

// runVersion prints the version and the commit the binary was built from.
func runVersion(stdout io.Writer) int {
	b := agent.Build()
	fmt.Fprintf(stdout, "pbxagent %s (commit %s)\n", b.Version, b.Commit)
	return 0
}

// serveConfig resolves the daemon's configuration from the serve flags,
// the environment and the file: flag > environment > file > default. Every
// key has a flag named by its YAML path (--http.addr, --store.memory_mb)
// and some a short form too (--http, --data …); their help is the key's
// meaning and default, from the configuration's key table (agent/config).
// Flags apply in the order given. It returns a negative code when the
// daemon should start, else the exit code.
func serveConfig(args []string, stderr io.Writer, environ []string) (config.Config, int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := config.Keys()
	fs.Usage = func() { serveUsage(stderr, keys) }
	cfgPath := fs.String("config", "", "YAML configuration file (every key: docs/configuration.md, example: deploy/pbxagent.yaml)")
	type override struct{ path, value string }
	var keyFlags []override
	for _, k := range keys {
		set := func(v string) error {
			keyFlags = append(keyFlags, override{k.Path, v})
			return nil
		}
		for _, name := range k.Flags() {
			fs.Func(strings.TrimPrefix(name, "--"), k.Help(), set) // booleans too: --sync.disabled true
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, 0
		}
		return config.Config{}, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pbxagent serve: unexpected argument %q (flags take the form --key value or --key=value)\n", fs.Arg(0))
		return config.Config{}, 2
	}
	cfg, err := config.Load(*cfgPath, environ)
	if err != nil {
		fmt.Fprintln(stderr, "pbxagent:", err)
		return cfg, 2
	}
	for _, o := range keyFlags {
		if err := cfg.Set(o.path, o.value); err != nil {
			configError(stderr, cfg, err)
			return cfg, 2
		}
	}
	if err := cfg.Validate(); err != nil {
		configError(stderr, cfg, err)
		return cfg, 2
	}
	return cfg, -1
}

// configError reports a configuration that cannot be used: as a JSON log
// line when log.format is json (so that every line a daemon started that
// way prints is JSON), else as plain text.
func configError(stderr io.Writer, cfg config.Config, err error) {
	if cfg.Log.Format == "json" {
		newLogger(stderr, config.Log{Level: "error", Format: "json"}).Error("invalid configuration", "err", err)
		return
	}
	fmt.Fprintln(stderr, "pbxagent:", err)
}

// serveUsage prints serve's help: every key's flags, in the order of the
// configuration, with its meaning, default and environment variable.
func serveUsage(w io.Writer, keys []config.Key) {
	fmt.Fprint(w, `usage: pbxagent serve [--config FILE] [--<key> VALUE …]

Runs the daemon. Every configuration key has a flag --<key> and an environment variable;
precedence: flag > environment > configuration file > default. Lists are comma-separated,
durations in Go's form (100ms, 10s, 2h). Every key: docs/configuration.md; an example file
with every key and its default: deploy/pbxagent.yaml.

  --config FILE
        YAML configuration file
`)
	for _, k := range keys {
		names := strings.Join(k.Flags(), ", ")
		fmt.Fprintf(w, "  %s %s\n", names, k.Type)
		for _, line := range config.WrapText(config.PlainText(k.Meaning), 92) {
			fmt.Fprintf(w, "        %s\n", line)
		}
		fmt.Fprintf(w, "        default %s; env %s\n", k.Default, k.Env)
	}
}
