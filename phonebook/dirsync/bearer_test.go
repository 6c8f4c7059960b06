package dirsync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

func TestGetBearer(t *testing.T) {
	tests := []struct {
		name       string
		answers    []int // status per request, in order
		wantBody   string
		wantStatus int // status handed to fail; 0 if none
		wantForced []bool
	}{
		{name: "ok", answers: []int{200}, wantBody: "ok", wantForced: []bool{false}},
		{name: "401 renews the token once", answers: []int{401, 200}, wantBody: "ok", wantForced: []bool{false, true}},
		{name: "second 401 fails", answers: []int{401, 401}, wantStatus: 401, wantForced: []bool{false, true}},
		{name: "403 fails at once", answers: []int{403}, wantStatus: 403, wantForced: []bool{false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if want := fmt.Sprintf("Bearer tok%d", i); r.Header.Get("Authorization") != want {
					t.Errorf("request %d: Authorization %q, want %q", i, r.Header.Get("Authorization"), want)
				}
				code := tc.answers[min(i, len(tc.answers)-1)]
				w.WriteHeader(code)
				if code == 200 {
					fmt.Fprint(w, "ok")
				} else {
					fmt.Fprintf(w, `{"error":%d}`, code)
				}
			}))
			defer srv.Close()
			var forced []bool
			token := func(_ context.Context, force bool) (string, error) {
				forced = append(forced, force)
				return fmt.Sprintf("tok%d", len(forced)-1), nil
			}
			errFail := errors.New("refused")
			gotStatus := 0
			fail := func(status int, body []byte) error {
				gotStatus = status
				if !strings.Contains(string(body), fmt.Sprint(status)) {
					t.Errorf("fail body %q lacks the status", body)
				}
				return errFail
			}
			body, err := dirsync.Retry{Client: srv.Client()}.GetBearer(context.Background(), srv.URL, token, fail)
			if tc.wantStatus != 0 {
				if !errors.Is(err, errFail) || gotStatus != tc.wantStatus {
					t.Fatalf("err %v status %d, want fail with %d", err, gotStatus, tc.wantStatus)
				}
			} else if err != nil || string(body) != tc.wantBody {
				t.Fatalf("body %q err %v, want %q", body, err, tc.wantBody)
			}
			if fmt.Sprint(forced) != fmt.Sprint(tc.wantForced) {
				t.Fatalf("token forced %v, want %v", forced, tc.wantForced)
			}
		})
	}
}
