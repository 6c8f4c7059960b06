package agent

import (
	"github.com/pbxagent/pbxagent/agent/console"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/web"
)

// newConsole serves the web console at / and its files and the
// JavaScript client under /public/ (embedded: web.Public).
func newConsole(b *build) (platform.Component, error) { return console.New(web.Public()) }
