package dialer

// OpenAPISchema is the JSON Schema of a Duration as the API writes it, a
// Go duration string (httpx.SchemaProvider); a request may also give a
// number of seconds.
func (Duration) OpenAPISchema() map[string]any {
	return map[string]any{
		"type":        "string",
		"pattern":     `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`,
		"description": `a duration: "25s", "1m30s", "2h" (a request may also give a number of seconds)`,
		"examples":    []any{"25s"},
	}
}
