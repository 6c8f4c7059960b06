package users

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// CSVColumns are the columns of a users CSV import; only username is
// required. List columns separate their items with ';'.
var CSVColumns = []string{"username", "display_name", "email", "language", "role", "abilities",
	"extensions", "endpoints", "phones", "disabled"}

// maxDetails bounds the problems one answer lists.
const maxDetails = 100

// ImportResult is the answer to a CSV import.
type ImportResult struct {
	Created int    `json:"created" doc:"Users created" example:"2"`
	Users   []User `json:"users" doc:"The users created"`
}

// readCSV reads a users CSV into users to create, or returns every problem
// it finds, each naming its line and field ("line 3, email").
func readCSV(r io.Reader, maxRows int) ([]newUser, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, platform.Invalid("the CSV is empty", platform.FieldError{Field: "line 1", Message: "a header line is required: " + strings.Join(CSVColumns, ",")})
	}
	if err != nil {
		return nil, csvSyntax(err)
	}
	col := map[string]int{}
	var errs []platform.FieldError
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch _, dup := col[name]; {
		case !slices.Contains(CSVColumns, name):
			errs = append(errs, platform.FieldError{Field: fmt.Sprintf("line 1, column %d", i+1), Message: fmt.Sprintf("unknown column %q; known: %s", safeText(h), strings.Join(CSVColumns, ", "))})
		case dup:
			errs = append(errs, platform.FieldError{Field: fmt.Sprintf("line 1, column %d", i+1), Message: fmt.Sprintf("column %q given twice", name)})
		default:
			col[name] = i
		}
	}
	if _, ok := col["username"]; !ok {
		errs = append(errs, platform.FieldError{Field: "line 1", Message: "the username column is required"})
	}
	if len(errs) > 0 {
		return nil, platform.Invalid("bad CSV header", errs...)
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	list := func(rec []string, name string) []string {
		v := get(rec, name)
		if v == "" {
			return nil
		}
		parts := strings.Split(v, ";")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	}
	var out []newUser
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvSyntax(err)
		}
		line, _ := cr.FieldPos(0)
		label := fmt.Sprintf("line %d, ", line)
		if len(out) == maxRows {
			return nil, platform.Invalid(fmt.Sprintf("more than %d users in one import (users.import_max_rows)", maxRows),
				platform.FieldError{Field: fmt.Sprintf("line %d", line), Message: "too many rows"})
		}
		in := Input{Username: get(rec, "username"), DisplayName: get(rec, "display_name"), Email: get(rec, "email"),
			Language: get(rec, "language"), Role: roleOf(get(rec, "role")), Extensions: list(rec, "extensions"),
			Devices: Devices{Endpoints: list(rec, "endpoints"), Phones: list(rec, "phones")}}
		for _, a := range list(rec, "abilities") {
			in.Abilities = append(in.Abilities, abilityOf(a))
		}
		switch d := strings.ToLower(get(rec, "disabled")); d {
		case "", "false", "no", "0":
		case "true", "yes", "1":
			in.Disabled = true
		default:
			errs = append(errs, platform.FieldError{Field: label + "disabled", Message: "must be true or false"})
		}
		out = append(out, newUser{label: label, in: in})
	}
	if len(errs) > 0 {
		return nil, platform.Invalid("invalid CSV", errs...)
	}
	return out, nil
}

func roleOf(s string) platform.Role       { return platform.Role(strings.ToLower(s)) }
func abilityOf(s string) platform.Ability { return platform.Ability(strings.ToLower(s)) }

// csvSyntax turns a CSV syntax error into one naming its line.
func csvSyntax(err error) error {
	var pe *csv.ParseError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &pe):
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return platform.Invalid("the CSV is not valid", platform.FieldError{Field: fmt.Sprintf("line %d", pe.StartLine),
				Message: "wrong number of fields: every line needs one per header column"})
		}
		return platform.Invalid("the CSV is not valid", platform.FieldError{Field: fmt.Sprintf("line %d, column %d", pe.Line, pe.Column), Message: pe.Err.Error()})
	}
	return fmt.Errorf("read CSV: %w", err)
}

// capDetails keeps at most maxDetails problems in an error.
func capDetails(err error) error {
	var ae *platform.APIError
	if errors.As(err, &ae) && len(ae.Details) > maxDetails {
		n := len(ae.Details) - maxDetails
		ae.Details = append(ae.Details[:maxDetails:maxDetails], platform.FieldError{Field: "more", Message: fmt.Sprintf("and %d more problems", n)})
	}
	return err
}

func (s *Service) importCSV(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "text/csv") {
		return
	}
	items, err := readCSV(http.MaxBytesReader(w, r.Body, s.cfg.ImportMaxBytes), s.cfg.ImportMaxRows)
	if err != nil {
		platform.WriteErr(w, r, capDetails(err))
		return
	}
	if len(items) == 0 {
		platform.WriteErr(w, r, platform.Invalid("the CSV holds no users", platform.FieldError{Field: "line 2", Message: "no rows after the header"}))
		return
	}
	recs, err := s.create(r.Context(), items)
	if err != nil {
		platform.WriteErr(w, r, capDetails(err))
		return
	}
	res := ImportResult{Created: len(recs), Users: make([]User, len(recs))}
	for i, rec := range recs {
		res.Users[i] = rec.view()
	}
	s.log.Info("users imported", "created", len(recs))
	platform.WriteJSON(w, http.StatusCreated, res)
}
