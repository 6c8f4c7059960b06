package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// wavHeaderSize is the size of the canonical 44-byte PCM WAV header.
const wavHeaderSize = 44

// maxWAVData is the largest data chunk a RIFF file can describe (its sizes
// are 32-bit); WAVWriter stops there.
const maxWAVData = 1<<32 - 1 - (wavHeaderSize - 8)

// WAVWriter streams 8 kHz 16-bit PCM into a WAV file whose length is not
// known in advance: it writes the header with zero sizes first and fixes
// them on Close, so the destination must be seekable (an *os.File). It is
// not safe for concurrent use.
type WAVWriter struct {
	w        io.WriteSeeker
	channels int
	data     uint64 // bytes of samples written
	buf      []byte
	err      error
	closed   bool
}

// NewWAVWriter writes the header of an 8 kHz 16-bit PCM WAV with channels
// channels (1 or 2; samples interleaved, left first) at w's current
// position, which must be its start.
func NewWAVWriter(w io.WriteSeeker, channels int) (*WAVWriter, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("wav: channels %d: want 1 or 2", channels)
	}
	ww := &WAVWriter{w: w, channels: channels}
	if _, err := w.Write(ww.header()); err != nil {
		return nil, fmt.Errorf("wav: write header: %w", err)
	}
	return ww, nil
}

func (ww *WAVWriter) header() []byte {
	data := uint32(min(ww.data, maxWAVData))
	b := make([]byte, wavHeaderSize)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], wavHeaderSize-8+data)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(b[22:], uint16(ww.channels))
	binary.LittleEndian.PutUint32(b[24:], ClockRate)
	binary.LittleEndian.PutUint32(b[28:], ClockRate*2*uint32(ww.channels))
	binary.LittleEndian.PutUint16(b[32:], 2*uint16(ww.channels))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], data)
	return b
}

// ErrWAVFull is returned by WAVWriter.Write once the file holds as much as
// a WAV's 32-bit sizes can describe (about 37 hours of 8 kHz stereo).
var ErrWAVFull = errors.New("wav: file full (4 GiB)")

// Write appends samples (interleaved when stereo). After a failed write
// every later one fails with the same error.
func (ww *WAVWriter) Write(samples []int16) error {
	if ww.err != nil {
		return ww.err
	}
	if ww.closed {
		return errors.New("wav: write after close")
	}
	if ww.data+uint64(len(samples))*2 > maxWAVData {
		ww.err = ErrWAVFull
		return ww.err
	}
	ww.buf = ww.buf[:0]
	for _, s := range samples {
		ww.buf = binary.LittleEndian.AppendUint16(ww.buf, uint16(s))
	}
	n, err := ww.w.Write(ww.buf)
	ww.data += uint64(n)
	if err != nil {
		ww.err = fmt.Errorf("wav: write: %w", err)
		return ww.err
	}
	return nil
}

// Samples returns how many samples per channel were written.
func (ww *WAVWriter) Samples() int64 { return int64(ww.data / 2 / uint64(ww.channels)) }

// Close writes the final sizes into the header and leaves the position at
// the file's end; it does not close the underlying writer.
func (ww *WAVWriter) Close() error {
	if ww.closed {
		return nil
	}
	ww.closed = true
	if _, err := ww.w.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("wav: close: seek to header: %w", err)
	}
	if _, err := ww.w.Write(ww.header()); err != nil {
		return fmt.Errorf("wav: close: rewrite header: %w", err)
	}
	if _, err := ww.w.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("wav: close: seek to end: %w", err)
	}
	return ww.err
}
