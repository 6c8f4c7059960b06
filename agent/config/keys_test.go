package config

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the example configuration and the key table of docs/configuration.md")

// Generated files, relative to this package.
var (
	examplePath = filepath.Join("..", "..", "deploy", "pbxagent.yaml")
	docPath     = filepath.Join("..", "..", "docs", "configuration.md")
)

// Markers around the generated key table in docs/configuration.md.
const (
	tableBegin = "<!-- key table: generated from agent/config/table.go by `go test ./agent/config -run TestConfigurationDocumented -update`; edit the table there -->\n"
	tableEnd   = "<!-- end of the key table -->\n"
)

// TestKeyTable: every key of Config has a meaning in the table, the table
// names no key that Config lacks, and no two keys share a flag.
func TestKeyTable(t *testing.T) {
	seen := map[string]string{}
	for _, k := range Keys() {
		if strings.TrimSpace(k.Meaning) == "" {
			t.Errorf("key %s has no entry in agent/config/table.go: add its meaning (and short flags, if any)", k.Path)
		}
		if k.Default == "" {
			t.Errorf("key %s: empty default text", k.Path)
		}
		for _, f := range k.Flags() {
			if other, dup := seen[f]; dup {
				t.Errorf("flag %s is both %s's and %s's", f, other, k.Path)
			}
			seen[f] = k.Path
		}
	}
	paths := map[string]bool{}
	for _, k := range Keys() {
		paths[k.Path] = true
	}
	for p := range table {
		if !paths[p] {
			t.Errorf("agent/config/table.go describes %s, which is no key of Config", p)
		}
	}
}

// TestKeyDefaults: the defaults as the documentation reads them.
func TestKeyDefaults(t *testing.T) {
	want := map[string]string{
		"http.addr":                     "127.0.0.1:8080",
		"agi.addr":                      "127.0.0.1:4573",
		"sip_redirect.addr":             "disabled",
		"http.max_body_bytes":           "268435456 (256 MiB)",
		"audit.retention":               "2160h (90 days)",
		"sip_redirect.tcp_idle_timeout": "2m",
		"callerid.allow":                "127.0.0.0/8,::1/128",
		"callerid.overwrite":            "weak",
		"numbers.trunk_prefixes":        "none",
		"users.max_concurrent_hashes":   "the number of CPUs",
		"admin_token":                   "generated",
	}
	for _, k := range Keys() {
		if w, ok := want[k.Path]; ok && k.Default != w {
			t.Errorf("%s: default %q, want %q", k.Path, k.Default, w)
		}
	}
}

// TestConfigurationDocumented: docs/configuration.md's key table is the
// one made from the key table (a row per key: env, flags, default,
// meaning).
func TestConfigurationDocumented(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no generated key table between the markers %q and %q", docPath, tableBegin, tableEnd)
	}
	want := doc[:i+len(tableBegin)] + MarkdownTable() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the key table is not the one agent/config/table.go makes; run\n\tgo test ./agent/config -run TestConfigurationDocumented -update", docPath)
}

// TestExampleConfigCurrent: deploy/pbxagent.yaml is the example made from
// the key table, and loading it gives every default.
func TestExampleConfigCurrent(t *testing.T) {
	want := ExampleYAML()
	got, err := os.ReadFile(examplePath)
	if *update && string(got) != string(want) {
		if err := os.WriteFile(examplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err = want, nil
	}
	if err != nil {
		t.Fatalf("%v; make it with\n\tgo test ./agent/config -run TestExampleConfigCurrent -update", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is not the example agent/config/table.go makes; run\n\tgo test ./agent/config -run TestExampleConfigCurrent -update", examplePath)
	}
	cfg, err := Load(examplePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	_ = walk(reflect.ValueOf(&def).Elem(), "PBXAGENT", "", func(_, path string, f reflect.Value) error {
		_ = walk(reflect.ValueOf(&cfg).Elem(), "PBXAGENT", "", func(_, p string, g reflect.Value) error {
			if p == path && valueString(f) != valueString(g) {
				t.Errorf("%s: the example sets %q, the default is %q", path, valueString(g), valueString(f))
			}
			return nil
		})
		return nil
	})
	if err := cfg.Validate(); err != nil {
		t.Errorf("the example does not validate: %v", err)
	}
}
