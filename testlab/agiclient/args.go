package agiclient

import "strings"

// ParseArgs splits an AGI command line into words the way Asterisk's res_agi.c parse_args does:
// blanks (space, tab) separate words outside quotes, `"` toggles quoting (an empty "" is a word),
// and `\` makes the next character literal.
func ParseArgs(line string) []string {
	var (
		args       []string
		cur        strings.Builder
		inWord     bool
		quoted     bool
		escaped    bool
		whitespace = true
	)
	flush := func() {
		if inWord {
			args = append(args, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' && !escaped:
			quoted = !quoted
			if quoted && whitespace {
				flush()
				inWord = true
				whitespace = false
			}
		case (c == ' ' || c == '\t') && !quoted && !escaped:
			if !whitespace {
				flush()
			}
			whitespace = true
		case c == '\\' && !escaped:
			escaped = true
		default:
			if whitespace {
				flush()
				inWord = true
				whitespace = false
			}
			cur.WriteByte(c)
			escaped = false
		}
	}
	flush()
	return args
}
