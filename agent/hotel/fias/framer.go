package fias

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the longest record body a Reader accepts by default.
const DefaultMaxFrame = 8 << 10

// ErrFrameTooLong is returned (wrapped) for a record body longer than the
// Reader's limit; the Reader skips it and can go on.
var ErrFrameTooLong = errors.New("fias: record too long")

// Reader splits a byte stream into record bodies: the bytes between an
// STX and the next ETX. Bytes outside a frame (line noise, an LRC after
// ETX) are skipped; an STX inside a frame starts the frame again (the one
// before it was cut short).
type Reader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewReader returns a Reader on r accepting bodies of at most max bytes
// (DefaultMaxFrame when max <= 0).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &Reader{r: bufio.NewReaderSize(r, 4096), max: max}
}

// Next returns the next record body; it is valid until the next call. A
// body over the limit is skipped and reported as ErrFrameTooLong (the
// Reader can go on); a read error ends the stream (io.EOF at its end,
// io.ErrUnexpectedEOF inside a frame).
func (r *Reader) Next() ([]byte, error) {
	// Find STX.
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if c == STX {
			break
		}
	}
	r.buf = r.buf[:0]
	over := false
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch c {
		case ETX:
			if over {
				return nil, fmt.Errorf("%w: over %d bytes", ErrFrameTooLong, r.max)
			}
			return r.buf, nil
		case STX:
			r.buf = r.buf[:0]
			over = false
		default:
			if len(r.buf) >= r.max {
				over = true
				continue
			}
			r.buf = append(r.buf, c)
		}
	}
}
