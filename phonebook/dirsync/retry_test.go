package dirsync_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		answers  []int
		header   string
		wantCode int
		wantErr  error
		check    func(t *testing.T, waits []time.Duration)
	}{
		{"429 retry-after seconds", []int{429, 429, 200}, "7", 200, nil, func(t *testing.T, w []time.Duration) {
			if len(w) != 2 || w[0] != 7*time.Second || w[1] != 7*time.Second {
				t.Fatalf("waits %v", w)
			}
		}},
		{"503 without header backs off with jitter", []int{503, 503, 503, 200}, "", 200, nil, func(t *testing.T, w []time.Duration) {
			if len(w) != 3 || w[0] > time.Second || w[1] > 2*time.Second || w[2] > 4*time.Second {
				t.Fatalf("waits %v", w)
			}
		}},
		{"404 passes through", []int{404}, "", 404, nil, nil},
		{"too long retry-after fails the run", []int{429}, "3600", 0, dirsync.ErrThrottled, nil},
		{"too long retry-after is typed", []int{429}, "3600", 0, &dirsync.ThrottledError{}, nil},
		{"gives up", []int{429, 429, 429, 429, 429, 429, 429}, "1", 0, dirsync.ErrThrottled, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				code := tc.answers[min(i, len(tc.answers)-1)]
				if code != 200 && tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(code)
			}))
			defer srv.Close()
			clk := syncfake.NewInstantClock(time.Unix(1e9, 0))
			rt := dirsync.Retry{Client: srv.Client(), Clock: clk}
			resp, err := rt.Do(context.Background(), func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			})
			var te *dirsync.ThrottledError
			if _, ok := tc.wantErr.(*dirsync.ThrottledError); ok {
				if !errors.As(err, &te) || te.RetryAfter != time.Hour {
					t.Fatalf("err %v", err)
				}
				return
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantCode {
				t.Fatalf("code %d", resp.StatusCode)
			}
			if tc.check != nil {
				tc.check(t, clk.Waits())
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Thu, 01 Jan 2026 00:00:30 GMT", 30 * time.Second, true},
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0, true},
	}
	for _, tc := range tests {
		got, ok := dirsync.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Thu, 01 Jan 2026 00:00:30 GMT", "", "-5", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Unix(1e9, 0)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := dirsync.ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) || d > 24*time.Hour {
			t.Fatalf("%q → %v %v", s, d, ok)
		}
	})
}

func TestRetryRedactsQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	addr := srv.URL
	srv.Close() // connection refused from now on
	rt := dirsync.Retry{Client: http.DefaultClient, Clock: syncfake.NewInstantClock(time.Unix(1e9, 0)), Attempts: 2}
	_, err := rt.Do(context.Background(), func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", addr+"/book.csv?token=s3cret", nil)
	})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "/book.csv") {
		t.Fatalf("err %v", err)
	}
}
