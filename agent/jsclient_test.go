package agent

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/jsclient"
)

var updateClient = flag.Bool("update-client", false, "rewrite web/public/pbxagent.js and pbxagent.d.ts from the daemon's OpenAPI document (make client)")

// TestJSClientUpToDate generates the JavaScript client from the OpenAPI
// document of a daemon with every feature on (ARI at the fake Asterisk:
// the dialer's routes are there) and compares it with the committed copy
// the daemon serves at /public/pbxagent.js and /public/pbxagent.d.ts.
func TestJSClientUpToDate(t *testing.T) {
	d, _ := ariDaemon(t)
	js, dts, err := jsclient.Generate(httpx.OpenAPI(d.Mux().Routes(), openAPIInfo()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		want []byte
	}{{name: "pbxagent.js", want: js}, {name: "pbxagent.d.ts", want: dts}} {
		path := filepath.Join("..", "web", "public", f.name)
		if *updateClient {
			if err := os.WriteFile(path, f.want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: run make client", err)
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("web/public/%s is not what agent/jsclient makes of the daemon's OpenAPI document: run make client", f.name)
		}
	}
}
