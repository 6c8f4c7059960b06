package callerid

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// FastAGI protocol limits (Asterisk res_agi.c: AGI_BUF_LEN 8192 bytes per line).
const (
	agiMaxLine    = 8192
	agiMaxEnvVars = 128
)

// Errors of the FastAGI reader.
var (
	// ErrAGILineTooLong: a line exceeded 8192 bytes.
	ErrAGILineTooLong = errors.New("agi: line too long")
	// ErrAGITooManyVars: the agi_* block has more than 128 lines.
	ErrAGITooManyVars = errors.New("agi: too many variables")
	// ErrAGIHangup: a HANGUP line was read (the channel hung up; the session may finish).
	ErrAGIHangup = errors.New("agi: channel hung up")
)

// AGIEnv is the agi_* block Asterisk sends when a FastAGI session opens.
type AGIEnv struct {
	// Vars maps each key ("agi_callerid", "agi_arg_1"…) to its value.
	Vars map[string]string
	// Hangup is set when a HANGUP line arrived inside the block.
	Hangup bool
}

// Get returns the value of key ("" when absent).
func (e AGIEnv) Get(key string) string { return e.Vars[key] }

// readAGILine reads one line without its terminator ("\n" or "\r\n"), refusing lines over
// agiMaxLine bytes; a last line without terminator is returned with io.EOF only if empty.
func readAGILine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > agiMaxLine+2 {
		return "", ErrAGILineTooLong
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > agiMaxLine {
		return "", ErrAGILineTooLong
	}
	return string(line), nil
}

// newAGIReader wraps r with a buffer large enough for one maximal line.
func newAGIReader(r io.Reader) *bufio.Reader {
	return bufio.NewReaderSize(r, agiMaxLine+16)
}

// ReadAGIEnv reads the agi_* block up to its blank line. Lines are `key: value`; a HANGUP line
// is noted and skipped; any other line without a colon or a key not starting with "agi_" is an
// error naming the line number.
func ReadAGIEnv(r *bufio.Reader) (AGIEnv, error) {
	env := AGIEnv{Vars: make(map[string]string, 24)}
	for n := 1; ; n++ {
		line, err := readAGILine(r)
		if err != nil {
			return env, fmt.Errorf("agi environment line %d: %w", n, err)
		}
		if line == "" {
			return env, nil
		}
		if line == "HANGUP" {
			env.Hangup = true
			continue
		}
		if n > agiMaxEnvVars {
			return env, fmt.Errorf("agi environment line %d: %w", n, ErrAGITooManyVars)
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(k, "agi_") || strings.ContainsAny(k, " \t") {
			return env, fmt.Errorf("agi environment line %d: not an agi_ variable", n)
		}
		env.Vars[k] = strings.TrimPrefix(v, " ")
	}
}

// AGIReply is Asterisk's answer to one command.
type AGIReply struct {
	// Code is the status: 200, 510, 511, 520.
	Code int
	// Line is the (last) reply line as received.
	Line string
	// Hangup is set when HANGUP lines arrived before the reply.
	Hangup bool
}

// ReadAGIReply reads the reply to one command: HANGUP lines before it are skipped (and noted),
// the multi-line "520-" usage form is read up to its "520 " line. A line that is neither is a
// protocol error.
func ReadAGIReply(r *bufio.Reader) (AGIReply, error) {
	var rep AGIReply
	for {
		line, err := readAGILine(r)
		if err != nil {
			return rep, fmt.Errorf("agi reply: %w", err)
		}
		if line == "HANGUP" {
			rep.Hangup = true
			continue
		}
		if len(line) < 3 {
			return rep, fmt.Errorf("agi reply %q: not a status line", truncate(line, 40))
		}
		code := 0
		for i := 0; i < 3; i++ {
			c := line[i]
			if c < '0' || c > '9' {
				return rep, fmt.Errorf("agi reply %q: not a status line", truncate(line, 40))
			}
			code = code*10 + int(c-'0')
		}
		if len(line) > 3 && line[3] == '-' {
			// multi-line reply: read until "<code> " (Asterisk only does this for 520).
			for {
				l, err := readAGILine(r)
				if err != nil {
					return rep, fmt.Errorf("agi reply: %w", err)
				}
				if strings.HasPrefix(l, line[:3]+" ") {
					line = l
					break
				}
			}
		} else if len(line) > 3 && line[3] != ' ' {
			return rep, fmt.Errorf("agi reply %q: not a status line", truncate(line, 40))
		}
		rep.Code, rep.Line = code, line
		return rep, nil
	}
}

// AGIQuote quotes a value for an AGI command argument: enclosed in double quotes, with `"` and `\`
// escaped and CR/LF removed (Asterisk res_agi.c parse_args).
func AGIQuote(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\r', '\n':
			continue
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
