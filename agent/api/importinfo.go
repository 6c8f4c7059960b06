package api

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// ImportInfo is the answer to GET /api/v1/contacts/import: what a
// replacing CSV import would replace, for the confirmation a client shows
// before it ("CSV upload will delete existing records").
type ImportInfo struct {
	// CSVContacts counts the contacts of earlier CSV imports: a replacing
	// import keeps those the new file has (same names and company) and
	// deletes the others, so at most this many are deleted.
	CSVContacts int `json:"csv_contacts" doc:"Contacts from earlier CSV imports; a replacing import deletes those the new file does not have" example:"1250"`
}

// importInfo answers what a replacing import would replace.
func (im *Imports) importInfo(w http.ResponseWriter, r *http.Request) {
	n, err := im.store.CountSource(r.Context(), phonebook.SourceCSV)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, ImportInfo{CSVContacts: n})
}
