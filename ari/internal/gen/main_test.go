package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedFilesCurrent fails when ari/models_gen.go or events_gen.go
// differ from what the embedded spec generates (run go generate ./ari).
func TestGeneratedFilesCurrent(t *testing.T) {
	models, events, err := generate("../../../testlab/ari/spec")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{"../../models_gen.go": models, "../../events_gen.go": events} {
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s is stale: run go generate ./ari", path)
		}
	}
}
