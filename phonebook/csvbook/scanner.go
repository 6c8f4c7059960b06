package csvbook

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// maxRecordBytes bounds one record (a line, or several for a multi-line
// quoted field); longer records are reported as malformed.
const maxRecordBytes = 1 << 20

var bom = []byte{0xEF, 0xBB, 0xBF}

// scanner splits RFC 4180 CSV into records with byte loops, reusing its
// buffers: each record costs one string allocation for all its fields.
//
// Unquoted fields are trimmed of spaces and tabs; quoted fields are kept
// as written (space around the quotes is ignored). A bare '"' inside an
// unquoted field is taken literally. With multiline, a quoted field may
// span lines (Google/Outlook exports); without it (Central Phone Book
// rows) a quote still open at the end of the line makes the row malformed.
type scanner struct {
	br     *bufio.Reader
	line   int      // number of the last physical line read
	start  int      // first line of the current record
	long   []byte   // a line longer than the bufio buffer
	rec    []byte   // decoded bytes of the current record's fields
	ends   []int    // end offset in rec of each field
	quoted []bool   // whether each field was quoted
	fields []string // the current record's fields (substrings of one string)
}

func newScanner(r io.Reader) *scanner {
	return &scanner{br: bufio.NewReaderSize(r, 64<<10)}
}

// errLineTooLong marks a record over maxRecordBytes.
var errLineTooLong = errors.New("line too long")

// readLine returns the next physical line without its line ending. The
// slice is valid until the next call. At the end of input it returns
// io.EOF (a last line without newline is returned first).
func (s *scanner) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.br.ReadSlice('\n')
			if len(s.long) <= maxRecordBytes {
				s.long = append(s.long, line...)
			}
		}
		line = s.long
		if len(line) > maxRecordBytes {
			if err != nil && err != io.EOF {
				return nil, err
			}
			s.line++
			return nil, errLineTooLong
		}
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	s.line++
	if s.line == 1 {
		line = bytes.TrimPrefix(line, bom)
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// next reads the next record into s.fields/s.quoted. It returns a non-empty
// msg for a malformed record (the scanner has moved past it) and io.EOF at
// the end of input.
func (s *scanner) next(multiline bool) (msg string, err error) {
	s.rec, s.ends, s.quoted = s.rec[:0], s.ends[:0], s.quoted[:0]
	line, err := s.readLine()
	if err == errLineTooLong {
		s.start = s.line
		return "line longer than 1 MiB", nil
	}
	if err != nil {
		return "", err
	}
	s.start = s.line
	i := 0
	for {
		// Start of a field: skip blanks, see whether it is quoted.
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j < len(line) && line[j] == '"' {
			i = j + 1
			for {
				k := bytes.IndexByte(line[i:], '"')
				if k < 0 {
					s.rec = append(s.rec, line[i:]...)
					if !multiline {
						return "unterminated quoted field (a quote opened on this line is not closed)", nil
					}
					if len(s.rec) > maxRecordBytes {
						return "record longer than 1 MiB", nil
					}
					line, err = s.readLine()
					if err == io.EOF {
						return "unterminated quoted field (still open at the end of the file)", nil
					}
					if err == errLineTooLong {
						return "line longer than 1 MiB", nil
					}
					if err != nil {
						return "", err
					}
					s.rec = append(s.rec, '\n')
					i = 0
					continue
				}
				s.rec = append(s.rec, line[i:i+k]...)
				i += k + 1
				if i < len(line) && line[i] == '"' {
					s.rec = append(s.rec, '"')
					i++
					continue
				}
				break
			}
			s.ends = append(s.ends, len(s.rec))
			s.quoted = append(s.quoted, true)
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			if i == len(line) {
				break
			}
			if line[i] != ',' {
				return "unexpected text after a closing quote (quote the whole field and double inner quotes)", nil
			}
			i++
			continue
		}
		k := bytes.IndexByte(line[i:], ',')
		end := len(line)
		if k >= 0 {
			end = i + k
		}
		a, b := i, end
		for a < b && (line[a] == ' ' || line[a] == '\t') {
			a++
		}
		for b > a && (line[b-1] == ' ' || line[b-1] == '\t') {
			b--
		}
		s.rec = append(s.rec, line[a:b]...)
		s.ends = append(s.ends, len(s.rec))
		s.quoted = append(s.quoted, false)
		if k < 0 {
			break
		}
		i = end + 1
	}
	if !utf8.Valid(s.rec) {
		return "not valid UTF-8 (save the file as UTF-8)", nil
	}
	all := string(s.rec)
	s.fields = s.fields[:0]
	off := 0
	for _, e := range s.ends {
		s.fields = append(s.fields, all[off:e])
		off = e
	}
	return "", nil
}

// blank reports whether every field of the current record is empty or
// blank (an empty line, or only separators).
func (s *scanner) blank() bool {
	for _, f := range s.fields {
		for i := 0; i < len(f); i++ {
			if f[i] != ' ' && f[i] != '\t' {
				return false
			}
		}
	}
	return true
}
