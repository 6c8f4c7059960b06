package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// TestBusyExampleIsTheRealAnswer: the OpenAPI document's 503 example is
// the answer a write gets while an import holds the directory, word for
// word (the document once said "retry shortly" while the answer says how
// long is left).
func TestBusyExampleIsTheRealAnswer(t *testing.T) {
	st := ImportStatus{ID: "console-3f2a9c1d", Phase: PhaseApplying, RowsWritten: 45056, RowsTotal: 100000, SecondsLeft: 29}
	be := &busyError{left: time.Duration(st.SecondsLeft) * time.Second, about: busyAbout(st), known: true}
	real := be.apiError()

	doc := httpx.OpenAPI([]httpx.Entry{{Component: "contacts", Route: platform.Route{Method: "POST", Path: "/api/v1/contacts", Scope: platform.ScopeAdmin,
		Handler: http.HandlerFunc(http.NotFound), Op: platform.Operation{Summary: "Create a contact",
			Responses: map[int]platform.Body{201: {Description: "created"}, 503: {Description: "busy", Schema: platform.ErrorBody{}}}}}}},
		httpx.DocInfo{Version: "1"})
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Example struct {
						Error struct {
							Code    string                `json:"code"`
							Message string                `json:"message"`
							Details []platform.FieldError `json:"details"`
						} `json:"error"`
					} `json:"example"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	ex := d.Paths["/api/v1/contacts"]["post"].Responses["503"].Content["application/json"].Example.Error
	if ex.Code != real.Code || ex.Message != real.Message || !reflect.DeepEqual(ex.Details, real.Details) {
		t.Errorf("the 503 example\n %+v\nis not the busy answer\n %+v", ex, real)
	}
}

// TestTemplateIsWhatItsDocSays: the template the route serves is what its
// OpenAPI summary says — two contacts in the Central Phone Book format,
// every row a contact (the doc once spoke of a header the file lacks).
func TestTemplateIsWhatItsDocSays(t *testing.T) {
	w := httptest.NewRecorder()
	(&Imports{}).template(w, httptest.NewRequest("GET", "/api/v1/contacts/template", nil))
	rd := csvbook.NewReader(w.Body)
	n := 0
	for {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the template does not read back: %v", err)
		}
		if c != nil {
			n++
		}
	}
	if rd.Format() != csvbook.FormatCentralPhoneBook || n != 2 || rd.WarningsTotal() != 0 {
		t.Fatalf("template: format %s, %d contacts, %d warnings", rd.Format(), n, rd.WarningsTotal())
	}
	var route *platform.Route
	for _, r := range NewComponent(&Contacts{}, &Imports{}).Routes() {
		if r.Path == "/api/v1/contacts/template" {
			route = &r
		}
	}
	if route == nil || !strings.Contains(route.Op.Summary, "two example contacts in the Central Phone Book format") ||
		strings.Contains(route.Op.Summary+route.Op.Responses[200].Description, "the header and") {
		t.Fatalf("the template route's doc: %+v", route)
	}
}
