package csvbook

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one malformed row (in a ParseError) or one skipped cell (a
// warning).
type Problem struct {
	// Line is the 1-based line number where the row starts.
	Line int `json:"line" doc:"The 1-based line of the CSV where the row starts" example:"3"`
	// Field names the column, e.g. "column 6" or "first name"; "" for the
	// whole row.
	Field string `json:"field,omitempty" doc:"The column at fault (\"column 6\" or a header name); empty for the whole row" example:"first name"`
	// Msg says what is wrong.
	Msg string `json:"msg" doc:"What is wrong" example:"not a phone number: \"call me\""`
}

// String formats the problem as "line 4, column 6: msg".
func (p Problem) String() string {
	if p.Field == "" {
		return "line " + strconv.Itoa(p.Line) + ": " + p.Msg
	}
	return "line " + strconv.Itoa(p.Line) + ", " + p.Field + ": " + p.Msg
}

// MaxProblems bounds the problems and warnings a Reader keeps; further
// ones are only counted.
const MaxProblems = 10000

// ParseError reports every malformed row of a file. A file with a
// ParseError must not be applied.
type ParseError struct {
	// Format is the detected format of the file.
	Format Format
	// Problems lists the malformed rows in file order (at most MaxProblems).
	Problems []Problem
	// Total counts all problems, including those beyond MaxProblems.
	Total int
	// Rows counts the malformed rows (a row may have several problems),
	// including those beyond MaxProblems.
	Rows int
}

// Lines returns the distinct line numbers of the recorded problems.
func (e *ParseError) Lines() []int {
	var lines []int
	for _, p := range e.Problems {
		if len(lines) == 0 || lines[len(lines)-1] != p.Line {
			lines = append(lines, p.Line)
		}
	}
	return lines
}

// Error names the malformed lines and details the first few problems.
func (e *ParseError) Error() string {
	var b strings.Builder
	lines := e.Lines()
	rows := e.Rows
	if rows == 0 { // a ParseError made by hand
		rows = len(lines)
	}
	fmt.Fprintf(&b, "csv (%s): %d malformed row", e.Format, rows)
	if rows != 1 {
		b.WriteByte('s')
	}
	b.WriteString(" at line")
	if len(lines) != 1 {
		b.WriteByte('s')
	}
	b.WriteByte(' ')
	const maxLines = 50
	for i, l := range lines {
		if i == maxLines {
			fmt.Fprintf(&b, " and %d more", len(lines)-maxLines)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(l))
	}
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, " (first %d recorded)", len(e.Problems))
	}
	const maxDetails = 5
	for i, p := range e.Problems {
		if i == maxDetails {
			b.WriteString("; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}
