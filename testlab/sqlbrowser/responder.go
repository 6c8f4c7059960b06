package sqlbrowser

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Responder answers SSRP requests on a UDP socket. Create it with Listen;
// Close stops its goroutine and waits for it.
type Responder struct {
	conn      *net.UDPConn
	instances []Instance
	done      chan struct{}
	mu        sync.Mutex
	requests  []Request
	bad       int
}

// Listen starts a responder on addr (normally "127.0.0.1:1434", the port
// clients use: [MC-SQLR] §2.1) announcing instances.
func Listen(addr string, instances ...Instance) (*Responder, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("sqlbrowser: %w", err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("sqlbrowser: %w", err)
	}
	r := &Responder{conn: c, instances: instances, done: make(chan struct{})}
	go r.serve()
	return r, nil
}

// Addr is the address listened on.
func (r *Responder) Addr() net.Addr { return r.conn.LocalAddr() }

// Close stops the responder.
func (r *Responder) Close() error {
	err := r.conn.Close()
	<-r.done
	return err
}

// Requests returns the well-formed requests received, in order.
func (r *Responder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Malformed returns how many malformed requests were received (and not
// answered).
func (r *Responder) Malformed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
}

func (r *Responder) serve() {
	defer close(r.done)
	buf := make([]byte, 2048)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		req, err := ParseRequest(buf[:n])
		r.mu.Lock()
		if err != nil {
			r.bad++
		} else {
			r.requests = append(r.requests, req)
		}
		r.mu.Unlock()
		if err != nil {
			continue
		}
		if resp := r.answer(req); resp != nil {
			_, _ = r.conn.WriteToUDP(resp, from)
		}
	}
}

// answer builds the reply to req; nil: no reply ("The server sends back an
// SVR_RESP only if there is at least one instance for which it can send back
// endpoint information. If no such instances exist, the server ignores the
// client request.", [MC-SQLR] §2.2.5).
func (r *Responder) answer(req Request) []byte {
	var sel []Instance
	for _, in := range r.instances {
		if req.Instance == "" || strings.EqualFold(in.Name, req.Instance) {
			sel = append(sel, in)
		}
	}
	if len(sel) == 0 {
		return nil
	}
	if req.Type == ClntUcastDAC {
		if sel[0].DACPort == 0 {
			return nil
		}
		return FormatDACResponse(uint16(sel[0].DACPort))
	}
	b, err := FormatResponse(sel)
	if err != nil {
		return nil
	}
	return b
}
