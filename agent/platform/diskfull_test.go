package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestDiskFullAnswers507(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{name: "disk full", err: fmt.Errorf("create contact: %w", fmt.Errorf("%w: 1 MiB free", phonebook.ErrDiskFull)), status: 507},
		{name: "other", err: errors.New("boom"), status: 500},
		{name: "api error kept", err: Invalid("bad"), status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r = r.WithContext(WithRequestID(r.Context(), "rid"))
			w := httptest.NewRecorder()
			WriteErr(w, r, DiskFull(tc.err))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != 507 {
				return
			}
			var body ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != CodeInsufficientDisk || !strings.Contains(body.Error.Message, "disk is full") || strings.Contains(body.Error.Message, "MiB") {
				t.Fatalf("body %s", w.Body)
			}
		})
	}
	if DiskFull(nil) != nil {
		t.Fatal("DiskFull(nil) != nil")
	}
}
