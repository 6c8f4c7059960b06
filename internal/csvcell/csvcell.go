// Package csvcell guards the text cells of a CSV export against
// spreadsheet formula injection (OWASP, "CSV Injection",
// https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet
// opening the file runs a cell that starts with '=', '+', '-', '@', a tab
// or a carriage return as a formula. The call history's export and the
// hotel's bills share it; the contacts export (phonebook/csvbook) has its
// own, reversible, escape because it reads its files back.
package csvcell

import "strings"

// Guard returns v as an exported text cell: prefixed with a single quote
// when a spreadsheet would run it as a formula. A plain signed number —
// '+' or '-' then only digits and dots, such as an international number
// ("+41441234567") or a negative amount ("-1.5000") — computes nothing
// and is left as it is, and so is every other cell.
func Guard(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return v
	}
	if (v[0] == '+' || v[0] == '-') && len(v) > 1 && strings.Trim(v[1:], "0123456789.") == "" {
		return v
	}
	return "'" + v
}

// GuardRow guards every cell of row in place and returns it.
func GuardRow(row []string) []string {
	for i, v := range row {
		row[i] = Guard(v)
	}
	return row
}
