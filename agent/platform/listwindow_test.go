package platform

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestParseListWindow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		query   string
		want    ListWindow
		wantBad []string
	}{
		{name: "empty", query: ""},
		{name: "all valid", query: "since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z&limit=50",
			want: ListWindow{Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Limit: 50}},
		{name: "bad times", query: "since=yesterday&until=later", wantBad: []string{"since", "until"}},
		{name: "until before since", query: "since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", wantBad: []string{"until"}},
		{name: "until equal to since", query: "since=2026-12-02T00:00:00Z&until=2026-12-02T00:00:00Z", wantBad: []string{"until"}},
		{name: "limit zero", query: "limit=0", wantBad: []string{"limit"}},
		{name: "limit over", query: "limit=101", wantBad: []string{"limit"}},
		{name: "limit not a number", query: "limit=ten", wantBad: []string{"limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			w, bad := ParseListWindow(q, 100)
			var fields []string
			for _, b := range bad {
				fields = append(fields, b.Field)
			}
			if !slices.Equal(fields, tc.wantBad) {
				t.Fatalf("bad fields %v, want %v", fields, tc.wantBad)
			}
			if len(tc.wantBad) == 0 && w != tc.want {
				t.Errorf("window %+v, want %+v", w, tc.want)
			}
		})
	}
}
