package config

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ExampleYAML is an example configuration file made from the key table:
// every key, its meaning as a comment and its default as the value (keys
// whose default depends on the machine, and secrets, commented out).
// Loading it gives the defaults.
func ExampleYAML() []byte {
	var b bytes.Buffer
	b.WriteString(`# pbxagent configuration: every key, with its default.
#
# Generated from the configuration's own definitions (agent/config/table.go) by
#   go test ./agent/config -run TestExampleConfigCurrent -update
# Leave out any key to keep its default. Each key can also be set by its
# environment variable (PBXAGENT_<PATH>) or by its flag of pbxagent serve
# (--<path>); precedence: flag > environment > this file > default.
# docs/configuration.md describes every key.
`)
	cfg := Default()
	var open []string // the sections written so far on the current path
	_ = walk(reflect.ValueOf(&cfg).Elem(), "PBXAGENT", "", func(_, path string, f reflect.Value) error {
		parts := strings.Split(path, ".")
		parents, name := parts[:len(parts)-1], parts[len(parts)-1]
		same := 0
		for same < len(open) && same < len(parents) && open[same] == parents[same] {
			same++
		}
		header := false
		for i := same; i < len(parents); i++ {
			b.WriteString("\n" + strings.Repeat("  ", i) + parents[i] + ":\n")
			header = true
		}
		open = parents
		k := keyAt(path)
		indent := strings.Repeat("  ", len(parents))
		if !header {
			b.WriteString("\n")
		}
		comment := PlainText(k.Meaning) + ". Default: " + k.Default + ". Env " + k.Env + ", flag " + strings.Join(k.Flags(), ", ") + "."
		for _, line := range WrapText(comment, 96-len(indent)) {
			b.WriteString(indent + "# " + line + "\n")
		}
		value := yamlValue(f)
		switch {
		case k.Secret:
			b.WriteString(indent + "# " + name + ": " + value + "   # better set " + k.Env + " in the environment\n")
		case k.Computed:
			b.WriteString(indent + "# " + name + ":   # unset: " + k.Default + "\n")
		default:
			b.WriteString(indent + name + ": " + value + "\n")
		}
		return nil
	})
	return b.Bytes()
}

// keyAt returns the key at path.
func keyAt(path string) Key {
	for _, k := range Keys() {
		if k.Path == path {
			return k
		}
	}
	return Key{Path: path}
}

// yamlValue writes f as a YAML value: durations as Go durations, lists in
// flow style (items quoted), strings quoted when YAML needs it.
func yamlValue(f reflect.Value) string {
	if f.Kind() == reflect.Slice {
		var items []string
		for i := 0; i < f.Len(); i++ {
			items = append(items, strconv.Quote(f.Index(i).String())) // flow style: always quoted
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	v := valueString(f)
	if f.Kind() == reflect.String {
		return yamlScalar(v)
	}
	return v
}

// yamlScalar is s as a YAML string scalar.
func yamlScalar(s string) string {
	if s == "" {
		return `""`
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		return `"` + s + `"`
	}
	return strings.TrimSuffix(string(out), "\n")
}

// WrapText splits text into lines of at most width characters, at spaces
// (a word longer than width stands alone on its line).
func WrapText(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// MarkdownTable is the key table of docs/configuration.md: a row per key
// with its environment variable, flags, default and meaning.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| key | env | flag | default | meaning |\n|---|---|---|---|---|\n")
	for _, k := range Keys() {
		flags := make([]string, 0, 2)
		for _, f := range k.Flags() {
			flags = append(flags, "`"+f+"`")
		}
		b.WriteString("| `" + k.Path + "` | `" + k.Env + "` | " + strings.Join(flags, ", ") + " | " + k.docDefault + " | " + k.Meaning + " |\n")
	}
	return b.String()
}
