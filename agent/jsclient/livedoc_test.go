package jsclient

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// getOp is an operation the live views call (GET unless method says
// otherwise), as the daemon documents it: its path, operationId and
// parameters ("{x}" in the path is a required path parameter; query names
// the query parameters).
type getOp struct {
	path, id string
	query    []string
	method   string
}

// docWith adds the GET operations ops to runtimeDoc, so that the generated
// client has the methods a live view calls.
func docWith(t *testing.T, ops ...getOp) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(runtimeDoc(t), &d); err != nil {
		t.Fatal(err)
	}
	ok := map[string]any{"200": map[string]any{"description": "ok", "content": map[string]any{"application/json": map[string]any{}}}}
	paths := d["paths"].(map[string]any)
	for _, op := range ops {
		var params []any
		for _, seg := range strings.Split(op.path, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		method := op.method
		if method == "" {
			method = "get"
		}
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		item[method] = map[string]any{"operationId": op.id, "responses": ok, "parameters": params}
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventFrame is an events-socket event frame.
func eventFrame(seq int, at, topic, typ string, data any) string {
	b, _ := json.Marshal(map[string]any{"op": "event", "seq": seq, "time": at, "topic": topic, "type": typ, "data": data})
	return string(b)
}

// moduleFor writes the client generated from doc as pbxagent.mjs in a
// fresh Node module (nodeModule) and returns node and the directory.
func moduleFor(t *testing.T, doc []byte) (node, dir string) {
	t.Helper()
	node, dir = nodeModule(t)
	js, _, err := Generate(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pbxagent.mjs"), js, 0o600); err != nil {
		t.Fatal(err)
	}
	return node, dir
}
