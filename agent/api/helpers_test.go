package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// openTestStore opens an in-memory store with the default numbering
// (region unset) or region's.
func openTestStore(t *testing.T, region string) *phonebook.Store {
	t.Helper()
	norm, err := number.New(number.Config{DefaultRegion: region})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{InMemory: true, Numbering: norm.Numbering(), MemoryBudget: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// errorOf decodes an error envelope.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) platform.ErrorDetail {
	t.Helper()
	var b platform.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("answer %d is not the error shape: %v: %s", w.Code, err, w.Body)
	}
	return b.Error
}
