package api

import (
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// templateCSV is the CSV template as GET /api/v1/contacts/template
// answers it, the example of the CSV bodies of the OpenAPI document
// (written by the same code, so it cannot drift).
// templateSummary says what GET /api/v1/contacts/template serves (a test
// reads the file to keep it true).
const templateSummary = "two example contacts in the Central Phone Book format, to fill in and upload"

func templateCSV() string {
	var b strings.Builder
	_ = csvbook.Template(&b)
	return b.String()
}

// Parameters of the contacts routes.
var (
	contactIDParam = platform.Param{Name: "id", In: "path", Required: true, Description: "The contact's id", Example: "01JEQ7G8ZK4M2N5P6R7S8T9V0W"}
	intSchema      = map[string]any{"type": "integer"}
	boolSchema     = map[string]any{"type": "boolean"}
)

func qx(name, desc string, example any) platform.Param {
	p := platform.Param{Name: name, In: "query", Description: desc, Example: example}
	switch example.(type) {
	case int:
		p.Schema = intSchema
	case bool:
		p.Schema = boolSchema
	}
	return p
}

func enumSchema(vals ...any) map[string]any { return map[string]any{"type": "string", "enum": vals} }

// lookupMiss is the 404 body of GET /api/v1/lookup: the answer with the
// error envelope's error beside it (the OpenAPI document's schema of
// what Contacts.lookup writes).
type lookupMiss struct {
	LookupAnswer
	Error platform.ErrorDetail `json:"error" doc:"Why there is no name: not_found"`
}
