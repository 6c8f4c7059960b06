package main

import (
	"context"
	"io"
)

// runClient runs a client subcommand against a running daemon; ok is false
// when args[0] is not one.
func runClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) (code int, ok bool) {
	return 0, false
}
