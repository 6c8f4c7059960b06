package agent

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDaemonServesConsole: the console's page at / and the committed
// JavaScript client under /public/, without credentials, through the
// daemon's whole HTTP stack (fast lane, CORS, mux).
func TestDaemonServesConsole(t *testing.T) {
	_, base := testDaemon(t, nil)
	client, err := os.ReadFile(filepath.Join("..", "web", "public", "pbxagent.js"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantType, wantBody string
	}{
		{name: "page", path: "/", wantType: "text/html; charset=utf-8", wantBody: `<script type="module" src="/public/console/app.js">`},
		{name: "client", path: "/public/pbxagent.js", wantType: "text/javascript; charset=utf-8", wantBody: string(client)},
		{name: "declarations", path: "/public/pbxagent.d.ts", wantType: "application/typescript; charset=utf-8", wantBody: "export declare class PbxAgent {"},
		{name: "shell", path: "/public/console/app.js", wantType: "text/javascript; charset=utf-8", wantBody: "import { PbxAgent } from '../pbxagent.js';"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(base + tc.path) // Go's client asks for gzip and decodes it
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.wantType || !resp.Uncompressed {
				t.Fatalf("GET %s: %d %q (gzip decoded: %v)", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Uncompressed)
			}
			if !strings.Contains(string(b), tc.wantBody) {
				t.Errorf("GET %s: the body has no %.60q", tc.path, tc.wantBody)
			}
		})
	}
	// Outside the console's paths the API still answers its JSON 401.
	resp, err := http.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /nope: %d, want 401", resp.StatusCode)
	}
}
