package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// A configuration file's type errors name the key's path and line and say
// what it wants, in YAML terms, never Go's ("!!str", "[]string").
func TestLoadTypeErrorsSpeakYAML(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yml string
		want      string
	}{
		{name: "a single value for a list", yml: "callerid:\n  allow: 10.0.0.0/8\n",
			want: `callerid.allow (line 2): must be a list, e.g. [10.0.0.0/8] or one "- 10.0.0.0/8" line per item`},
		{name: "words for a number", yml: "store:\n  memory_mb: lots\n",
			want: `store.memory_mb (line 2): must be a whole number, not "lots"`},
		{name: "a bad duration", yml: "callerid:\n  deadline: soon\n",
			want: `callerid.deadline (line 2): must be a duration such as 30s, 5m or 1h, not "soon"`},
		{name: "a value for a section", yml: "http: 8080\n",
			want: `http (line 1): must be a section of keys`},
		{name: "a list for a value", yml: "data_dir:\n  - a\n  - b\n",
			want: `data_dir (line 2): must be a single value, not a list or section`},
		{name: "unknown nested key", yml: "http:\n  adr: x\n",
			want: `http.adr (line 2): unknown key`},
		{name: "two errors", yml: "store:\n  memory_mb: x\ncallerid:\n  allow: 10.0.0.0/8\n",
			want: `store.memory_mb (line 2): must be a whole number, not "x"; callerid.allow (line 4): must be a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			for _, goism := range []string{"!!", "unmarshal", "[]string", "time.Duration", "config."} {
				if strings.Contains(err.Error(), goism) {
					t.Errorf("err %q speaks Go (%q)", err, goism)
				}
			}
		})
	}
}

func FuzzDescribeYAML(f *testing.F) {
	f.Add("a:\n  b: x\n", "line 2: cannot unmarshal !!str `x` into int")
	f.Add("a: [1]\n", "line 1: field a not found in type config.Config")
	f.Add("", "line 99999999999999999999: cannot unmarshal !!seq into string")
	f.Fuzz(func(t *testing.T, src, msg string) {
		var root yaml.Node
		_ = yaml.Unmarshal([]byte(src), &root)
		if out := describeYAML(&root, msg); out == "" && msg != "" {
			t.Fatalf("describeYAML(%q) is empty", msg)
		}
	})
}
