package platform

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// jsonPathAt names, in the API's terms ("numbers[1].value", "custom.a"),
// the JSON value that ends at offset in data (where encoding/json reports
// a type error); "" for the whole body or when data does not parse that
// far. encoding/json's own UnmarshalTypeError.Field leaves out list
// indices and map keys.
func jsonPathAt(data []byte, offset int64) string {
	if offset < 0 || offset > int64(len(data)) {
		offset = int64(len(data))
	}
	type frame struct {
		array     bool
		idx       int
		key       string
		expectKey bool
	}
	var stack []frame
	render := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	afterValue := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].idx++
			} else {
				stack[n-1].expectKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data[:offset]))
	dec.UseNumber()
	last := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return last
		}
		d, isDelim := tok.(json.Delim)
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].expectKey {
			if isDelim && d == '}' {
				stack = stack[:n-1]
				afterValue()
				continue
			}
			key, _ := tok.(string)
			stack[n-1].key, stack[n-1].expectKey = key, false
			continue
		}
		if isDelim && d == ']' {
			stack = stack[:len(stack)-1]
			afterValue()
			continue
		}
		last = render()
		if isDelim && (d == '{' || d == '[') {
			stack = append(stack, frame{array: d == '[', expectKey: d == '{'})
			continue
		}
		afterValue()
	}
}
