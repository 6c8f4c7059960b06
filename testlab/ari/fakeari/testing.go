package fakeari

import (
	"context"
	"testing"
)

// StartTest starts a Server on a loopback port for a test and returns it
// with its base URL. At cleanup the server is closed and the test fails if
// any request or event departed from the ARI specification (unless the
// options turned the contract check off).
func StartTest(t testing.TB, opts ...Option) (*Server, string) {
	t.Helper()
	s := New(opts...)
	url, err := s.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakeari: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, p := range s.Problems() {
			t.Errorf("fakeari: traffic departs from the ARI spec: %v", p)
		}
	})
	return s, url
}
