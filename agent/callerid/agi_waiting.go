package callerid

import (
	"bufio"
	"bytes"
	"container/list"
	"net"
	"sync"
)

// waitRoom holds FastAGI connections that have not yet sent their first
// agi_ line. They take no session slot; when the room is full, a new
// connection closes the one that has waited longest, so a flood of silent
// connections cannot keep Asterisk, which speaks at once, from being
// served.
type waitRoom struct {
	max int

	mu sync.Mutex
	l  list.List // of *waiter, oldest first
}

type waiter struct {
	c       net.Conn
	evicted bool
}

// enter adds c to the room, closing the longest waiting connection when
// the room is full.
func (w *waitRoom) enter(c net.Conn) *list.Element {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.l.Len() >= w.max {
		oldest := w.l.Remove(w.l.Front()).(*waiter)
		oldest.evicted = true
		_ = oldest.c.Close() // its goroutine's read fails at once
	}
	return w.l.PushBack(&waiter{c: c})
}

// leave takes e out of the room; evicted reports that it was pushed out
// (and its connection closed) first.
func (w *waitRoom) leave(e *list.Element) (evicted bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wt := e.Value.(*waiter)
	if !wt.evicted {
		w.l.Remove(e)
	}
	return wt.evicted
}

// firstLine waits, within the read deadline already set, until br holds
// the connection's first line, and reports whether it is an agi_ line
// (the reader keeps it for ReadAGIEnv).
func firstLine(br *bufio.Reader) (spoke, ok bool, err error) {
	prefix := []byte("agi_")
	for {
		buf, _ := br.Peek(br.Buffered()) // all that has come
		spoke = spoke || len(buf) > 0
		if !bytes.HasPrefix(buf, prefix) && !bytes.HasPrefix(prefix, buf) {
			return true, false, nil // not an agi_ line
		}
		if bytes.IndexByte(buf, '\n') >= 0 {
			return true, true, nil
		}
		if err != nil {
			return spoke, false, err
		}
		_, err = br.Peek(len(buf) + 1)
	}
}
