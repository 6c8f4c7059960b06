package csvbook

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Central Phone Book column positions.
const (
	colFirst = iota
	colMiddle
	colLast
	colEmail
	colCompany
	cpbFixedCols
)

// Reader streams contacts out of a CSV file. It is not safe for concurrent
// use.
//
// Next returns one contact per good row. Malformed rows are skipped and
// recorded; at the end of input Next returns io.EOF if the file was clean,
// or a *ParseError listing every malformed row — the file must then not be
// applied. Cells that are skipped without invalidating the file (a number
// of a Google/Outlook export that is not a phone number, a header column
// that maps to nothing) are reported by Warnings and SkippedColumns.
type Reader struct {
	sc       *scanner
	format   Format
	forced   Format
	plan     *plan
	pending  bool // the scanner holds a CPB record read during detection
	pendMsg  string
	problems []Problem
	badRows  int // distinct rows with a problem
	lastBad  int // the line of the last problem
	total    int
	warnings []Problem
	warnMore int
	rowLine  int
	rows     int
	skipped  []int // per header column: non-empty cells read by no role
	check    func(*phonebook.Contact) error
	// the column of each number and e-mail of the row being read, to
	// name it in a problem the check finds
	numCols, emailCols []string
	err                error // sticky I/O error
	eof                bool
}

// Option configures a Reader.
type Option func(*Reader)

// WithFormat skips detection and reads the file as f (a headed format
// still expects its header row).
func WithFormat(f Format) Option { return func(r *Reader) { r.forced = f } }

// WithCheck makes Next apply check to every row it parses (the store's
// contact rules, phonebook.CheckContact): a row check refuses is a
// malformed row, reported with the others, each of its invalid fields
// named by its column.
func WithCheck(check func(*phonebook.Contact) error) Option {
	return func(r *Reader) { r.check = check }
}

// NewReader returns a Reader on r. The format is detected from the first
// non-blank row.
func NewReader(r io.Reader, opts ...Option) *Reader {
	rd := &Reader{sc: newScanner(r)}
	for _, o := range opts {
		o(rd)
	}
	return rd
}

// Format returns the file's format, detecting it (by reading the first
// row) if Next has not been called yet. FormatUnknown means the input was
// empty or unreadable.
func (r *Reader) Format() Format {
	if r.format == FormatUnknown && r.err == nil && !r.eof {
		r.detect()
	}
	return r.format
}

// Line returns the line number where the row last returned by Next starts.
func (r *Reader) Line() int { return r.rowLine }

// Rows returns the number of contacts returned so far.
func (r *Reader) Rows() int { return r.rows }

// SkippedColumn is a header column of a Google or Outlook file that maps
// to no contact field, with the values it held.
type SkippedColumn struct {
	// Column is the 1-based column number.
	Column int `json:"column" doc:"The column's number, from 1" example:"6"`
	// Name is the header text.
	Name string `json:"name" doc:"The column's header" example:"Notes"`
	// Cells counts the non-empty values skipped in it.
	Cells int `json:"cells" doc:"How many non-empty values of the column were not imported" example:"12"`
}

// SkippedColumns lists the header columns whose non-empty values were
// skipped so far, in column order (none for the Central Phone Book
// format, which has no header).
func (r *Reader) SkippedColumns() []SkippedColumn {
	var out []SkippedColumn
	for i, n := range r.skipped {
		if n > 0 {
			out = append(out, SkippedColumn{Column: i + 1, Name: clip(strings.TrimSpace(r.plan.cols[i].name)), Cells: n})
		}
	}
	return out
}

// WarningsTotal counts the warnings, including those beyond MaxProblems.
func (r *Reader) WarningsTotal() int { return len(r.warnings) + r.warnMore }

// Warnings returns the cells skipped so far (at most MaxProblems).
func (r *Reader) Warnings() []Problem { return r.warnings }

// Problems returns the malformed rows found so far (at most MaxProblems);
// an importer that applies while reading may abort as soon as it is
// non-empty.
func (r *Reader) Problems() []Problem { return r.problems }

func (r *Reader) problem(line int, field, msg string) {
	r.total++
	if line != r.lastBad { // a row's problems come together
		r.badRows++
		r.lastBad = line
	}
	if len(r.problems) < MaxProblems {
		r.problems = append(r.problems, Problem{Line: line, Field: field, Msg: msg})
	}
}

func (r *Reader) warn(line int, field, msg string) {
	if len(r.warnings) < MaxProblems {
		r.warnings = append(r.warnings, Problem{Line: line, Field: field, Msg: msg})
	} else {
		r.warnMore++
	}
}

// detect reads the first non-blank record and decides the format.
func (r *Reader) detect() {
	for {
		msg, err := r.sc.next(false)
		if err == io.EOF {
			r.eof = true
			if r.forced != FormatUnknown {
				r.format = r.forced
			}
			return
		}
		if err != nil {
			r.err = fmt.Errorf("csv line %d: %w", r.sc.line+1, err)
			return
		}
		if msg == "" && r.sc.blank() {
			continue
		}
		f, p := FormatCentralPhoneBook, (*plan)(nil)
		if msg == "" {
			f, p = detect(r.sc.fields)
		}
		switch {
		case r.forced == FormatCentralPhoneBook:
			f, p = FormatCentralPhoneBook, nil
		case r.forced != FormatUnknown && msg == "":
			lower := make([]string, len(r.sc.fields))
			for i, s := range r.sc.fields {
				lower[i] = strings.ToLower(strings.TrimSpace(s))
			}
			f = r.forced
			if f == FormatGoogle {
				p = googlePlan(r.sc.fields, lower)
			} else {
				p = outlookPlan(r.sc.fields, lower)
			}
		}
		if f != FormatCentralPhoneBook && p == nil {
			p = &plan{}
		}
		r.format, r.plan = f, p
		if f == FormatCentralPhoneBook {
			r.pending, r.pendMsg = true, msg
		} else if msg != "" {
			r.problem(r.sc.start, "", "header: "+msg)
		}
		return
	}
}

// Next returns the next contact, io.EOF at a clean end of input, or a
// *ParseError at the end of input with malformed rows. I/O errors are
// returned as they happen (wrapped with the line number).
func (r *Reader) Next() (*phonebook.Contact, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.format == FormatUnknown && !r.eof {
		r.detect()
		if r.err != nil {
			return nil, r.err
		}
	}
	for {
		var msg string
		if r.pending {
			r.pending, msg = false, r.pendMsg
		} else {
			if r.eof {
				return nil, r.end()
			}
			var err error
			msg, err = r.sc.next(r.format != FormatCentralPhoneBook)
			if err == io.EOF {
				r.eof = true
				return nil, r.end()
			}
			if err != nil {
				r.err = fmt.Errorf("csv line %d: %w", r.sc.line+1, err)
				return nil, r.err
			}
		}
		if msg != "" {
			r.problem(r.sc.start, "", msg)
			continue
		}
		if r.sc.blank() {
			continue
		}
		var c *phonebook.Contact
		if r.format == FormatCentralPhoneBook {
			c = r.cpbRow()
		} else {
			c = r.headedRow()
		}
		if c == nil {
			continue
		}
		if r.check != nil && !r.checkRow(c) {
			continue
		}
		r.rows++
		r.rowLine = r.sc.start
		return c, nil
	}
}

// checkRow applies the check to c, recording each invalid field as a
// problem of the row; false when the row is refused.
func (r *Reader) checkRow(c *phonebook.Contact) bool {
	err := r.check(c)
	if err == nil {
		return true
	}
	var ve *phonebook.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		r.problem(r.sc.start, "", err.Error())
		return false
	}
	for _, f := range ve.Fields {
		r.problem(r.sc.start, r.fieldColumn(f.Field), f.Message)
	}
	return false
}

// fieldColumn names the column a contact field came from: "column 4
// (e-mail)" in the Central Phone Book format, the header's name in the
// others; the field itself when no column holds it (display_name).
func (r *Reader) fieldColumn(field string) string {
	name, idx, ok := splitIndexed(field)
	switch {
	case ok && name == "numbers" && idx < len(r.numCols):
		return r.numCols[idx]
	case ok && name == "emails" && idx < len(r.emailCols):
		return r.emailCols[idx]
	}
	want, ok := fieldRoles[field]
	if !ok {
		return field
	}
	if r.format == FormatCentralPhoneBook {
		for i, rl := range cpbRoles {
			if rl == want {
				return colName(i) + " (" + cpbColNames[i] + ")"
			}
		}
		return field
	}
	for _, col := range r.plan.cols {
		if col.role == want {
			return col.name
		}
	}
	return field
}

// fieldRoles maps the store's field names to the column roles that fill
// them.
var fieldRoles = map[string]role{
	"first_name": roleFirst, "middle_name": roleMiddle, "last_name": roleLast, "company": roleCompany,
	"department": roleDepartment, "job_title": roleJobTitle, "office_location": roleOffice,
}

// cpbRoles are the roles of the fixed Central Phone Book columns.
var cpbRoles = [cpbFixedCols]role{roleFirst, roleMiddle, roleLast, roleEmail, roleCompany}

// splitIndexed splits "numbers[2].value" into ("numbers", 2).
func splitIndexed(field string) (string, int, bool) {
	open := strings.IndexByte(field, '[')
	end := strings.IndexByte(field, ']')
	if open < 0 || end < open {
		return "", 0, false
	}
	n, err := strconv.Atoi(field[open+1 : end])
	if err != nil {
		return "", 0, false
	}
	return field[:open], n, true
}

func (r *Reader) end() error {
	if r.total > 0 {
		return &ParseError{Format: r.format, Problems: r.problems, Total: r.total, Rows: r.badRows}
	}
	return io.EOF
}

func colName(i int) string { return "column " + strconv.Itoa(i+1) }

func newContact() *phonebook.Contact {
	return &phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV}
}

// cpbRow maps a Central Phone Book record; nil when it is malformed.
func (r *Reader) cpbRow() *phonebook.Contact {
	f, line := r.sc.fields, r.sc.start
	if len(f) < cpbFixedCols {
		hint := ""
		if strings.Contains(f[0], ";") {
			hint = "; the row looks semicolon-separated, the format wants commas"
		}
		r.problem(line, "", fmt.Sprintf("%d columns, want at least %d (first name, middle name, last name, e-mail, company, then type:number cells)%s", len(f), cpbFixedCols, hint))
		return nil
	}
	// Count before looking at any cell: a row of thousands of number
	// cells is refused for what it is, at the cost of counting.
	if cells := countNonBlank(f[cpbFixedCols:]); cells > phonebook.MaxNumbers {
		r.problem(line, "", fmt.Sprintf("%d number cells, a contact has at most %d numbers", cells, phonebook.MaxNumbers))
		return nil
	}
	bad := false
	if isBlank(f[colFirst]) && isBlank(f[colMiddle]) && isBlank(f[colLast]) && isBlank(f[colCompany]) {
		r.problem(line, "", "no name: first, middle and last name and company are all empty")
		bad = true
	}
	for i := range cpbFixedCols {
		if err := phonebook.CheckText(f[i]); err != nil {
			r.problem(line, colName(i)+" ("+cpbColNames[i]+")", err.Error())
			bad = true
		}
	}
	nums := 0
	for i := cpbFixedCols; i < len(f); i++ {
		cell := strings.TrimSpace(f[i])
		if cell == "" {
			continue
		}
		colon := strings.IndexByte(cell, ':')
		if colon < 0 {
			r.problem(line, colName(i), fmt.Sprintf("number cell %q has no type (want work:, mobile:, home:, fax: or other:)", clip(cell)))
			bad = true
			continue
		}
		typ, val := strings.TrimSpace(cell[:colon]), strings.TrimSpace(cell[colon+1:])
		if typ == "" {
			r.problem(line, colName(i), fmt.Sprintf("number cell %q has no type (want work:, mobile:, home:, fax: or other:)", clip(cell)))
			bad = true
			continue
		}
		if _, ok := phonebook.ParseNumberType(typ); !ok {
			r.problem(line, colName(i), fmt.Sprintf("number type %q is not %s", clip(typ), phonebook.NumberTypesText))
			bad = true
			continue
		}
		if err := phonebook.CheckNumberValue(val); err != nil {
			r.problem(line, colName(i), err.Error())
			bad = true
			continue
		}
		nums++
	}
	if bad {
		return nil
	}
	c := newContact()
	c.FirstName, c.MiddleName, c.LastName, c.Company = unescapeFormula(f[colFirst]), unescapeFormula(f[colMiddle]),
		unescapeFormula(f[colLast]), unescapeFormula(f[colCompany])
	r.numCols, r.emailCols = r.numCols[:0], r.emailCols[:0]
	if e := unescapeFormula(strings.TrimSpace(f[colEmail])); e != "" {
		c.Emails = []phonebook.Email{{Label: "work", Address: e}}
		r.emailCols = append(r.emailCols, colName(colEmail)+" ("+cpbColNames[colEmail]+")")
	}
	if nums > 0 {
		c.Numbers = make([]phonebook.Number, 0, nums)
		for i := cpbFixedCols; i < len(f); i++ {
			cell := strings.TrimSpace(f[i])
			colon := strings.IndexByte(cell, ':')
			if colon < 0 {
				continue
			}
			t, ok := phonebook.ParseNumberType(cell[:colon])
			if !ok {
				continue
			}
			c.Numbers = append(c.Numbers, phonebook.Number{Type: t, Value: strings.TrimSpace(cell[colon+1:])})
			if r.check != nil {
				r.numCols = append(r.numCols, colName(i))
			}
		}
	}
	return c
}

// cpbColNames name the fixed Central Phone Book columns in messages.
var cpbColNames = [cpbFixedCols]string{"first name", "middle name", "last name", "e-mail", "company"}

// countNonBlank counts the cells of f that are not blank.
func countNonBlank(f []string) int {
	n := 0
	for _, v := range f {
		if !isBlank(v) {
			n++
		}
	}
	return n
}

// googleSep joins several values in one Google cell.
const googleSep = " ::: "

// headedRow maps a Google or Outlook record; nil when it is malformed or
// empty.
func (r *Reader) headedRow() *phonebook.Contact {
	f, line, p := r.sc.fields, r.sc.start, r.plan
	if len(f) > len(p.cols) {
		r.problem(line, "", fmt.Sprintf("%d columns, the header has %d (quote values that contain commas)", len(f), len(p.cols)))
		return nil
	}
	c := newContact()
	r.numCols, r.emailCols = r.numCols[:0], r.emailCols[:0]
	var fullName string
	bad := false
	for i, v := range f {
		col := p.cols[i]
		if col.role == roleIgnore {
			if !isBlank(v) {
				if r.skipped == nil {
					r.skipped = make([]int, len(p.cols))
				}
				r.skipped[i]++
			}
			continue
		}
		if err := phonebook.CheckText(v); err != nil {
			r.problem(line, col.name, err.Error())
			bad = true
			continue
		}
		switch col.role {
		case roleFirst:
			c.FirstName = v
		case roleMiddle:
			c.MiddleName = v
		case roleLast:
			c.LastName = v
		case roleFullName:
			fullName = strings.TrimSpace(v)
		case roleCompany:
			c.Company = v
		case roleDepartment:
			c.Department = v
		case roleJobTitle:
			c.JobTitle = v
		case roleOffice:
			c.OfficeLocation = v
		case rolePhone:
			r.addNumber(c, line, col.name, col.typ, v)
		case rolePhoneValue:
			labels := r.groupLabel(f, p.phoneLabel, col.group)
			for k, val := range splitMulti(v) {
				r.addNumber(c, line, col.name, mapLabel(pick(labels, k)), val)
			}
		case roleEmail:
			if a := strings.TrimSpace(v); strings.Contains(a, "@") {
				c.Emails = append(c.Emails, phonebook.Email{Address: a})
				r.emailCols = append(r.emailCols, col.name)
			}
		case roleEmailValue:
			labels := r.groupLabel(f, p.emailLabel, col.group)
			for k, a := range splitMulti(v) {
				if a = strings.TrimSpace(a); a != "" {
					c.Emails = append(c.Emails, phonebook.Email{Label: emailLabel(pick(labels, k)), Address: a})
					r.emailCols = append(r.emailCols, col.name)
				}
			}
		}
	}
	if len(c.Numbers) > phonebook.MaxNumbers {
		r.problem(line, "", fmt.Sprintf("%d numbers, a contact has at most %d", len(c.Numbers), phonebook.MaxNumbers))
		bad = true
	}
	if bad {
		return nil
	}
	if isBlank(c.FirstName) && isBlank(c.MiddleName) && isBlank(c.LastName) && fullName != "" {
		c.DisplayName = fullName
	}
	if isBlank(c.FirstName) && isBlank(c.MiddleName) && isBlank(c.LastName) && isBlank(c.Company) &&
		c.DisplayName == "" && len(c.Numbers) == 0 && len(c.Emails) == 0 {
		r.warn(line, "", "row has no name, company, number or e-mail; skipped")
		return nil
	}
	return c
}

// groupLabel returns the label cell of a Google group split into values.
func (r *Reader) groupLabel(f []string, idx map[int]int, group int) []string {
	i, ok := idx[group]
	if !ok || i >= len(f) {
		return nil
	}
	return splitMulti(f[i])
}

func (r *Reader) addNumber(c *phonebook.Contact, line int, field string, t phonebook.NumberType, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if err := phonebook.CheckNumberValue(v); err != nil {
		r.warn(line, field, err.Error()+"; skipped")
		return
	}
	c.Numbers = append(c.Numbers, phonebook.Number{Type: t, Value: v})
	r.numCols = append(r.numCols, field)
}

// splitMulti splits a Google multi-value cell on " ::: ".
func splitMulti(v string) []string {
	if !strings.Contains(v, googleSep) {
		return []string{v}
	}
	return strings.Split(v, googleSep)
}

// pick returns labels[k], the single label when there is one, or "".
func pick(labels []string, k int) string {
	switch {
	case k < len(labels):
		return labels[k]
	case len(labels) == 1:
		return labels[0]
	}
	return ""
}

// emailLabel turns a Google e-mail label ("* Work") into ours ("work").
func emailLabel(l string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*")))
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// Validate reads a whole file and returns the number of good rows and nil,
// or the *ParseError listing every malformed row (or an I/O error). Nothing
// is kept in memory but the problems. With WithCheck, rows the check
// refuses are malformed rows too.
func Validate(r io.Reader, opts ...Option) (rows int, err error) {
	rd := NewReader(r, opts...)
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return rd.Rows(), nil
		}
		if err != nil {
			return rd.Rows(), err
		}
	}
}
