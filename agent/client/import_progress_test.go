package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/client"
)

// ImportCSV with Progress polls the import's status under the id it sent
// while the upload runs, and once more after it.
func TestImportCSVPollsProgress(t *testing.T) {
	polled := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var id string
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/contacts/import":
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			id = r.URL.Query().Get("import_id")
			mu.Unlock()
			select { // answer once the status was read twice
			case <-polled:
			case <-r.Context().Done():
				return
			}
			_ = json.NewEncoder(w).Encode(client.ImportResult{ID: id, Format: "central-phone-book", Rows: 2, Created: 2})
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/v1/contact-imports/"):
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			phase := "applying"
			if n > 2 {
				phase = "done"
			}
			_ = json.NewEncoder(w).Encode(client.ImportStatus{ID: strings.TrimPrefix(r.URL.Path, "/api/v1/contact-imports/"), Phase: phase, RowsWritten: int64(n), RowsTotal: 2})
			if n == 2 {
				once.Do(func() { close(polled) })
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	var got []client.ImportStatus
	res, err := c.ImportCSV(context.Background(), strings.NewReader("A,,B,,,work:1\n"), client.ImportOptions{Mode: client.ImportMerge,
		PollEvery: time.Millisecond, Progress: func(st client.ImportStatus) { got = append(got, st) }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ID, "cli-") || len(got) < 3 {
		t.Fatalf("result %+v, %d statuses", res, len(got))
	}
	for _, st := range got {
		if st.ID != res.ID {
			t.Fatalf("polled %q, the import is %q", st.ID, res.ID)
		}
	}
	if got[0].Phase != "applying" || got[len(got)-1].Phase != "done" {
		t.Fatalf("statuses %+v", got)
	}
}
