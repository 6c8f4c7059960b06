package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// cancelledReader gives part of a CSV, then fails as a body does when its
// client goes away.
type cancelledReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelledReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
		return n, context.Canceled
	}
	return n, err
}

// A client that goes away mid-upload is not a server fault: no 500 (whose
// cause the HTTP layer logs at error), and nothing imported.
func TestImportAbandonedByClientIsNotAServerFault(t *testing.T) {
	norm, err := number.New(number.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{InMemory: true, Numbering: norm.Numbering(), MemoryBudget: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	im := NewImports(st, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	body := &cancelledReader{r: strings.NewReader("first_name,last_name,company,email,work\nAna,Anić,,,+38733123456\n"), cancel: cancel}
	r := httptest.NewRequest("POST", "/api/v1/contacts/import?mode=merge", body).WithContext(ctx)
	r.Header.Set("Content-Type", "text/csv")
	w := httptest.NewRecorder()
	im.importCSV(w, r)
	if w.Code == http.StatusInternalServerError {
		t.Fatalf("an abandoned upload answered %d %s", w.Code, w.Body)
	}
	if pg, err := st.Search(context.Background(), phonebook.Query{Limit: 10}); err != nil || len(pg.Contacts) != 0 {
		t.Fatalf("an abandoned upload imported %d contacts (%v)", len(pg.Contacts), err)
	}
}
