package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlError rewrites the YAML decoder's errors about the file src in the
// configuration's terms: each names the key's full path and line, and
// says what the key wants instead of the Go type ("callerid.allow (line
// 12): must be a list, e.g. [10.0.0.0/8]" rather than "cannot unmarshal
// !!str `10.0.0.0/8` into []string"). Other errors are returned as they
// are.
func yamlError(src []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var root yaml.Node
	_ = yaml.Unmarshal(src, &root)
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		msgs[i] = describeYAML(&root, e)
	}
	return errors.New(strings.Join(msgs, "; "))
}

var (
	yamlTypeRe    = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	yamlUnknownRe = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
)

// describeYAML rewrites one decoder message.
func describeYAML(root *yaml.Node, msg string) string {
	if m := yamlUnknownRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("%s (line %d): unknown key (see docs/configuration.md)", keyPath(root, line, m[2]), line)
	}
	m := yamlTypeRe.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[1])
	tag, val, goType := m[2], m[3], m[4]
	var want string
	switch {
	case strings.HasPrefix(goType, "[]"):
		want = "must be a list"
		if tag == "str" || tag == "int" || tag == "float" || tag == "bool" {
			want += fmt.Sprintf(", e.g. [%s] or one \"- %s\" line per item", val, val)
		}
	case strings.HasPrefix(goType, "map["):
		want = "must be a section of keys"
	case goType == "time.Duration":
		want = fmt.Sprintf("must be a duration such as 30s, 5m or 1h, not %q", val)
	case goType == "bool":
		want = fmt.Sprintf("must be true or false, not %q", val)
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		want = fmt.Sprintf("must be a whole number, not %q", val)
	case strings.HasPrefix(goType, "float"):
		want = fmt.Sprintf("must be a number, not %q", val)
	case goType == "string":
		want = "must be a single value, not a list or section"
	case strings.Contains(goType, "."):
		want = "must be a section of keys"
	default:
		want = fmt.Sprintf("cannot take the value %q", val)
	}
	return fmt.Sprintf("%s (line %d): %s", keyPath(root, line, ""), line, want)
}

// keyPath returns the dotted path of the key on line whose value is there
// (or, with name, of the key called name on line); "the value" when none
// is found.
func keyPath(n *yaml.Node, line int, name string) string {
	if p, ok := findKey(n, line, name, ""); ok {
		return p
	}
	if name != "" {
		return name
	}
	return "the value"
}

func findKey(n *yaml.Node, line int, name, prefix string) (string, bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := findKey(c, line, name, prefix); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			// A section's keys are more precise than the section (its value
			// starts on its first key's line); a list is named itself
			// before its items.
			if v.Kind == yaml.MappingNode {
				if p, ok := findKey(v, line, name, path); ok {
					return p, true
				}
			}
			if (name == "" && (v.Line == line || k.Line == line)) || (name != "" && k.Line == line && k.Value == name) {
				return path, true
			}
			if v.Kind != yaml.MappingNode {
				if p, ok := findKey(v, line, name, path); ok {
					return p, true
				}
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := findKey(c, line, name, prefix+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
			if name == "" && c.Line == line && c.Kind == yaml.ScalarNode {
				return prefix + "[" + strconv.Itoa(i) + "]", true
			}
		}
	}
	return "", false
}
