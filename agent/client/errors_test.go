package client

import (
	"encoding/json"
	"testing"
)

func TestProblemUnmarshal(t *testing.T) {
	tests := map[string]Problem{
		`{"line":4,"field":"column 6","msg":"bad"}`: {Line: 4, Field: "column 6", Message: "bad"},
		`{"field":"number","message":"required"}`:   {Field: "number", Message: "required"},
		`{"message":"m","msg":"ignored"}`:           {Message: "m"},
		`{}`:                                        {},
	}
	for in, want := range tests {
		var p Problem
		if err := json.Unmarshal([]byte(in), &p); err != nil || p != want {
			t.Errorf("%s: %+v %v", in, p, err)
		}
	}
	for _, in := range []string{`{"line":1.5}`, `{"line":"x"}`, `[1]`} {
		var p Problem
		if err := json.Unmarshal([]byte(in), &p); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func FuzzDecodeProblems(f *testing.F) {
	for _, s := range []string{
		`[{"field":"a","message":"b"}]`, `{"lines":[1],"problems":[{"line":1,"msg":"x"}],"total":9}`,
		`[3,4]`, `{"confirm":"x"}`, `null`, `"text"`, `{"lines":null}`, `[{"line":-1}]`, `{"total":-5,"problems":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		probs, more := DecodeProblems(b)
		if more < 0 {
			t.Fatalf("more %d", more)
		}
		if !json.Valid(b) && len(probs) > 1 {
			t.Fatalf("invalid JSON gave %d problems", len(probs))
		}
		for _, p := range probs {
			_ = p.String()
		}
	})
}
