package fastlane

import (
	"net/http"
	"time"
)

// writeChunk is the most a response write sends under one deadline: a
// larger body is written in pieces, each with its own deadline, so a
// client that stops reading is cut off after one piece's time rather
// than the whole body's.
const writeChunk = 64 << 10

// WritePace bounds the time writing a response may take, sized for a
// phone on a slow link: every write of up to 64 KiB must complete within
// Timeout plus its size at MinRate bytes per second. A client that stops
// reading is so cut off once the socket buffers are full and one piece
// has waited that long; a slow but steady one gets its whole answer
// however large. The zero WritePace sets no deadline.
type WritePace struct {
	// Timeout is the time every write is allowed whatever its size.
	Timeout time.Duration
	// MinRate, in bytes per second, adds time for the write's size (0: none).
	MinRate int
}

// Deadline is when a write of n bytes starting at now must be done.
func (p WritePace) Deadline(now time.Time, n int) time.Time {
	d := p.Timeout
	if p.MinRate > 0 {
		d += time.Duration(int64(n) * int64(time.Second) / int64(p.MinRate))
	}
	return now.Add(d)
}

// Handler returns h with its writes paced: every Write (in pieces of at
// most 64 KiB) and Flush of its response sets the connection's write
// deadline by p, and so does its return (for what net/http still has
// buffered). The zero WritePace returns h.
func (p WritePace) Handler(h http.Handler) http.Handler {
	if p.Timeout <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &pacedWriter{ResponseWriter: w, rc: http.NewResponseController(w), pace: p}
		pw.extend(0)
		defer pw.extend(4 << 10) // net/http's buffered rest, flushed on return
		h.ServeHTTP(pw, r)
	})
}

// pacedWriter sets the write deadline before every write.
type pacedWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	pace WritePace
}

func (w *pacedWriter) extend(n int) {
	_ = w.rc.SetWriteDeadline(w.pace.Deadline(time.Now(), n)) // not supported, hijacked: nothing to bound
}

func (w *pacedWriter) Write(b []byte) (int, error) {
	written := 0
	for {
		n := min(len(b), writeChunk)
		w.extend(n)
		m, err := w.ResponseWriter.Write(b[:n])
		written += m
		b = b[n:]
		if err != nil || len(b) == 0 {
			return written, err
		}
	}
}

// Flush lets streaming handlers flush through, under a fresh deadline.
func (w *pacedWriter) Flush() {
	w.extend(writeChunk)
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
