// Command pbxagent is the pbxagent daemon and its command-line client.
//
//	pbxagent serve [flags]                 run the daemon
//	pbxagent contacts import|export|template|list|get|add|edit|delete …
//	pbxagent users list|get|add|set|delete|import|import-endpoints|passwd …
//	pbxagent phones list|show|add|edit|rotate-token|delete|cti …
//	pbxagent sources list|show|add|edit|test|sync|runs|erase|delete …
//	pbxagent campaigns list|show|create|edit|start|pause|stop|leads upload|stats|agents …
//	pbxagent apps list|show|create|edit|rotate-secret|delete|cors …
//	pbxagent lookup NUMBER
//	pbxagent version
//
// The client subcommands talk to a running daemon over its HTTP API
// (--server, default http://127.0.0.1:8080; token from PBXAGENT_TOKEN).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

const usage = `usage: pbxagent <command> [flags]

commands:
  serve      run the daemon (pbxagent serve --help for flags)
  contacts   manage contacts: import|export|template|list|get|add|edit|delete
  users      manage users: list|get|add|set|delete|import|import-endpoints|passwd
  phones     manage desk phones: list|show|add|edit|rotate-token|delete|cti
  sources    manage sync sources: list|show|add|edit|test|sync|runs|erase|delete
  campaigns  manage dialer campaigns: list|show|create|edit|start|pause|stop|leads upload|stats|agents
  apps       manage OAuth2 apps and CORS origins: list|show|create|edit|rotate-secret|delete|cors
  lookup     look a number up: pbxagent lookup NUMBER
  version    print the version
`

// run dispatches a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr, environ)
	case "version", "--version", "-v":
		return runVersion(stdout)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	if code, ok := runClient(ctx, args, stdin, stdout, stderr, environ); ok {
		return code
	}
	fmt.Fprintf(stderr, "pbxagent: unknown command %q\n\n%s", args[0], usage)
	return 2
}
