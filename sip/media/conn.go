package media

import (
	"fmt"
	"net"
	"sync"
)

// PacketWriter adapts a net.PacketConn and a remote address to io.Writer, one
// datagram per Write. The address can change during the call (symmetric RTP
// latches onto the address packets really come from).
type PacketWriter struct {
	conn net.PacketConn
	mu   sync.Mutex
	addr net.Addr
}

// NewPacketWriter returns a writer sending to addr over conn.
func NewPacketWriter(conn net.PacketConn, addr net.Addr) *PacketWriter {
	return &PacketWriter{conn: conn, addr: addr}
}

// SetAddr changes the destination.
func (w *PacketWriter) SetAddr(addr net.Addr) {
	w.mu.Lock()
	w.addr = addr
	w.mu.Unlock()
}

// Addr returns the destination.
func (w *PacketWriter) Addr() net.Addr {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addr
}

// Write sends b as one datagram.
func (w *PacketWriter) Write(b []byte) (int, error) {
	addr := w.Addr()
	n, err := w.conn.WriteTo(b, addr)
	if err != nil {
		return n, fmt.Errorf("media: write to %s: %w", addr, err)
	}
	return n, nil
}
