package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// keyDoc is what the table says of one key.
type keyDoc struct {
	// meaning is what the key does, for administrators (Markdown).
	meaning string
	// short lists the key's short flags ("--http"), besides --<path>.
	short []string
	// unset is how the default reads when it is the zero value and that
	// means something ("generated", "disabled"); "" for none/0/false.
	unset string
	// computed, when set, is how the default reads when it is computed on
	// the machine that runs the daemon ("the number of CPUs"): the example
	// configuration leaves such a key commented out.
	computed string
	// bytes: a size in bytes; its default also reads in KiB/MiB/GiB.
	bytes bool
	// secret: best given through the environment; the example
	// configuration leaves it commented out.
	secret bool
}

// Key is one configuration key.
type Key struct {
	// Path is the YAML path ("http.addr"); the daemon's flag of the key is
	// "--" and the path.
	Path string
	// Env is the environment variable that overrides it (PBXAGENT_HTTP_ADDR).
	Env string
	// Short lists the key's other, short flags ("--http"), if any.
	Short []string
	// Meaning says what the key does, in Markdown (docs/configuration.md).
	Meaning string
	// Default is the default as it reads in the documentation ("10s",
	// "127.0.0.1:8080", "none", "generated").
	Default string
	// Value is the default in the form of the key's environment variable
	// and flag ("" for an empty value; lists comma-separated).
	Value string
	// Computed: the default depends on the machine (Default says how).
	Computed bool
	// Secret: best given through the environment variable.
	Secret bool
	// Type is the form of the key's value: string, int, bool, duration
	// (Go's: 100ms, 10s, 2h) or list (comma-separated in a flag or variable).
	Type string

	// docDefault is Default as the documentation's table writes it.
	docDefault string
}

// Keys lists every configuration key, in declaration order, with what
// the table says of it. A key of Config missing from the table is listed
// with an empty Meaning (TestKeyTable fails on it).
func Keys() []Key {
	var out []Key
	cfg := Default()
	_ = walk(reflect.ValueOf(&cfg).Elem(), "PBXAGENT", "", func(env, path string, f reflect.Value) error {
		doc := table[path]
		k := Key{Path: path, Env: env, Short: doc.short, Meaning: doc.meaning, Value: valueString(f),
			Computed: doc.computed != "", Secret: doc.secret, Type: typeName(f)}
		switch {
		case doc.computed != "":
			k.Default = doc.computed
		case f.IsZero() && doc.unset != "":
			k.Default, k.docDefault = PlainText(doc.unset), doc.unset
		case f.IsZero() && (f.Kind() == reflect.String || f.Kind() == reflect.Slice):
			k.Default = "none"
		default:
			k.Default, k.docDefault = k.Value, "`"+k.Value+"`"
			if d, ok := f.Interface().(time.Duration); ok && d >= 48*time.Hour && d%(24*time.Hour) == 0 {
				days := " (" + strconv.FormatInt(int64(d/(24*time.Hour)), 10) + " days)"
				k.Default += days
				k.docDefault += days
			}
			if doc.bytes {
				k.Default += " (" + byteSize(f.Int()) + ")"
				k.docDefault += " (" + byteSize(f.Int()) + ")"
			}
		}
		if k.docDefault == "" {
			k.docDefault = k.Default
		}
		out = append(out, k)
		return nil
	})
	return out
}

// EnvNames lists every environment variable the configuration reads.
func EnvNames() []string {
	var out []string
	for _, k := range Keys() {
		out = append(out, k.Env)
	}
	return out
}

// Flags lists the key's flags: --<path>, then its short ones.
func (k Key) Flags() []string { return append([]string{"--" + k.Path}, k.Short...) }

// Help is the key's meaning and default as plain text, for a flag's help:
// Markdown code marks and links are reduced to their text.
func (k Key) Help() string {
	return fmt.Sprintf("%s (default %s; env %s)", PlainText(k.Meaning), k.Default, k.Env)
}

var (
	mdLink = regexp.MustCompile(`\[([^\]]+)\]\([^)]+\)`)
)

// PlainText reduces Markdown code marks and links to their text.
func PlainText(md string) string {
	return strings.ReplaceAll(mdLink.ReplaceAllString(md, "$1"), "`", "")
}

// typeName is the form of a key's value (see Key.Type).
func typeName(f reflect.Value) string {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		return "duration"
	case f.Kind() == reflect.Bool:
		return "bool"
	case f.CanInt() || f.CanUint():
		return "int"
	case f.Kind() == reflect.Slice:
		return "list"
	}
	return "string"
}

// valueString is a key's value in the form of its environment variable.
func valueString(f reflect.Value) string {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		return shortDuration(time.Duration(f.Int()))
	case f.Kind() == reflect.String:
		return f.String()
	case f.Kind() == reflect.Bool:
		return strconv.FormatBool(f.Bool())
	case f.CanInt():
		return strconv.FormatInt(f.Int(), 10)
	case f.CanUint():
		return strconv.FormatUint(f.Uint(), 10)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		return strings.Join(f.Interface().([]string), ",")
	}
	return fmt.Sprint(f.Interface())
}

// shortDuration writes d without zero minutes and seconds ("2h", "10m",
// "1m30s", "100ms").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// byteSize writes n in the largest binary unit that divides it.
func byteSize(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
