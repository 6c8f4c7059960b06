package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 4 << 20

// APIError is a non-2xx answer of the daemon, from the error shape
// {"error":{"code","message","details","request_id"}}; details is a list
// of {field, message} (older answers used other shapes, see
// DecodeProblems).
type APIError struct {
	// Op is the method and path, e.g. "POST /api/v1/contacts".
	Op string
	// Status is the HTTP status code.
	Status int
	// Code is the machine-readable error code ("invalid", "not_found",
	// "unauthorized", "conflict", …); empty when the answer was not the
	// error shape.
	Code string
	// Message is the daemon's explanation.
	Message string
	// Details is the raw "details" member (fields, CSV lines…), or nil.
	Details json.RawMessage
	// Problems is Details decoded into a list (see DecodeProblems).
	Problems []Problem
	// MoreProblems counts problems the daemon reported but did not list.
	MoreProblems int
	// RequestID is the daemon's id of the request ("request_id"), to find
	// its log line; empty when the daemon sent none.
	RequestID string
}

// Error formats the error as "POST /api/v1/contacts: 400 invalid contact: …".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s: %d %s", e.Op, e.Status, msg)
}

// Is lets errors.Is match an *APIError against a sentinel *APIError by
// status (and code when the sentinel has one), e.g. ErrNotFound.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	if !ok || t.Op != "" || t.Status != e.Status {
		return false
	}
	return t.Code == "" || t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	// ErrUnauthorized: the token is missing or wrong.
	ErrUnauthorized = &APIError{Status: http.StatusUnauthorized}
	// ErrNotFound: no such contact (or route).
	ErrNotFound = &APIError{Status: http.StatusNotFound}
	// ErrInvalid: the request was rejected as invalid; see Problems.
	ErrInvalid = &APIError{Status: http.StatusBadRequest}
	// ErrConfirmRequired: a replacing import needs Confirm.
	ErrConfirmRequired = &APIError{Status: http.StatusConflict}
	// ErrBusy: the directory is busy with a bulk operation; the message
	// says how long an import has left, and Retry-After when to retry.
	ErrBusy = &APIError{Status: http.StatusServiceUnavailable}
)

// Problem is one detail of an error or one import warning: an invalid
// field, or a malformed or doubtful CSV line.
type Problem struct {
	// Line is the 1-based CSV line, 0 when not about a line.
	Line int `json:"line,omitempty"`
	// Field names the field, parameter or CSV column; may be empty.
	Field string `json:"field,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// UnmarshalJSON accepts "message" or "msg" for the text.
func (p *Problem) UnmarshalJSON(b []byte) error {
	var raw struct {
		Line    json.Number `json:"line"`
		Field   string      `json:"field"`
		Message string      `json:"message"`
		Msg     string      `json:"msg"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*p = Problem{Field: raw.Field, Message: raw.Message}
	if p.Message == "" {
		p.Message = raw.Msg
	}
	if raw.Line != "" {
		n, err := strconv.Atoi(string(raw.Line))
		if err != nil {
			return fmt.Errorf("problem line %q: %w", raw.Line, err)
		}
		p.Line = n
	}
	return nil
}

// String formats the problem as "line 4, column 6: msg", "field: msg" or
// "msg".
func (p Problem) String() string {
	var where []string
	if p.Line > 0 {
		where = append(where, "line "+strconv.Itoa(p.Line))
	}
	if p.Field != "" {
		where = append(where, p.Field)
	}
	if len(where) == 0 {
		return p.Message
	}
	if p.Message == "" {
		return strings.Join(where, ", ")
	}
	return strings.Join(where, ", ") + ": " + p.Message
}

// DecodeProblems turns an error's "details" into a list. It understands
// the shapes the daemon sends:
//
//   - a list of {field, message} or {line, field, msg|message};
//   - {"problems": [...], "lines": [...], "total": N} for malformed CSV
//     (more counts the problems not listed);
//   - a list of line numbers;
//   - an object of strings {"field": "message"} (sorted by field).
//
// Anything else becomes one Problem holding the compact JSON.
func DecodeProblems(details json.RawMessage) (probs []Problem, more int) {
	details = bytes.TrimSpace(details)
	if len(details) == 0 || string(details) == "null" {
		return nil, 0
	}
	var list []Problem
	if err := json.Unmarshal(details, &list); err == nil {
		for i := range list {
			list[i] = lineField(list[i])
		}
		return list, 0
	}
	list = nil // Unmarshal may have filled part of it
	var lines []int
	if err := json.Unmarshal(details, &lines); err == nil {
		for _, l := range lines {
			list = append(list, Problem{Line: l, Message: "malformed row"})
		}
		return list, 0
	}
	var csv struct {
		Problems []Problem `json:"problems"`
		Lines    []int     `json:"lines"`
		Total    int       `json:"total"`
	}
	if err := json.Unmarshal(details, &csv); err == nil && (csv.Problems != nil || csv.Lines != nil) {
		list = csv.Problems
		if len(list) == 0 {
			for _, l := range csv.Lines {
				list = append(list, Problem{Line: l, Message: "malformed row"})
			}
		}
		if csv.Total > len(list) {
			more = csv.Total - len(list)
		}
		return list, more
	}
	var fields map[string]string
	if err := json.Unmarshal(details, &fields); err == nil {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			list = append(list, Problem{Field: k, Message: fields[k]})
		}
		return list, 0
	}
	var buf bytes.Buffer
	if json.Compact(&buf, details) != nil {
		return []Problem{{Message: string(details)}}, 0
	}
	return []Problem{{Message: buf.String()}}, 0
}

// lineField reads a field "line N" or "line N, column" (a CSV line, as the
// daemon names it) into Line and Field.
func lineField(p Problem) Problem {
	rest, ok := strings.CutPrefix(p.Field, "line ")
	if !ok || p.Line != 0 {
		return p
	}
	num, field, _ := strings.Cut(rest, ", ")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return p
	}
	p.Line, p.Field = n, field
	return p
}

// readAPIError builds an *APIError from a non-2xx answer.
func readAPIError(resp *http.Response, op string) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Op: op, Status: resp.StatusCode}
	var shape struct {
		Error *struct {
			Code      string          `json:"code"`
			Message   string          `json:"message"`
			Details   json.RawMessage `json:"details"`
			RequestID string          `json:"request_id"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &shape) == nil && shape.Error != nil {
		e.Code, e.Message, e.Details, e.RequestID = shape.Error.Code, shape.Error.Message, shape.Error.Details, shape.Error.RequestID
		e.Problems, e.MoreProblems = DecodeProblems(e.Details)
		return e
	}
	// Not our error shape (a proxy, another server): keep a short,
	// printable excerpt of the body.
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	if text != "" && !strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		e.Message = http.StatusText(resp.StatusCode) + ": " + text
	}
	return e
}
