package ua

import (
	"net"
	"time"
)

// awaitServing waits (up to 2 s) until sipgo's UDP transport has taken pc
// into its connection pool. ServeUDP adds it from its own goroutine; a
// request sent before that (a Dial right after Ready) makes sipgo bind a
// new socket to the listen address, which fails with "address already in
// use".
func (a *Agent) awaitServing(pc net.PacketConn) {
	if pc == nil {
		return
	}
	tl := a.ua.TransportLayer()
	addr := pc.LocalAddr().String()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := tl.GetConnection("udp", addr); err == nil && c != nil {
			c.Ref(-1) // GetConnection took a reference
			return
		}
		time.Sleep(time.Millisecond) // polling sipgo's pool, which has no notification
	}
	a.log.Warn("sip ua: udp listener not in sipgo's pool after 2 s", "addr", addr)
}
