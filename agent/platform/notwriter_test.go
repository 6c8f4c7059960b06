package platform

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

type refusal struct{}

func (refusal) Error() string {
	return "this node is not the directory's writer: write to node b at http://b:8080"
}
func (refusal) Unwrap() error { return phonebook.ErrNotWriter }

func TestNotWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{name: "wrapped refusal", err: fmt.Errorf("create contact: replicate: %w", refusal{}), status: http.StatusMisdirectedRequest,
			msg: "this node is not the directory's writer: write to node b at http://b:8080"},
		{name: "other error", err: errors.New("boom")},
		{name: "nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NotWriter(tc.err)
			var ae *APIError
			if tc.status == 0 {
				if got != tc.err {
					t.Fatalf("got %v, want the error unchanged", got)
				}
				return
			}
			if !errors.As(got, &ae) || ae.Status != tc.status || ae.Code != CodeNotWriter || ae.Message != tc.msg {
				t.Fatalf("got %#v", got)
			}
		})
	}
}
