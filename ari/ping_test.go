package ari_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// freezeProxy forwards TCP to target; Freeze makes every current
// connection silently stop forwarding (a half-open path).
type freezeProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	frozen []chan struct{}
	wg     sync.WaitGroup
	conns  []net.Conn
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{l: l, target: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.handle(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		for _, f := range p.frozen {
			select {
			case <-f:
			default:
				close(f)
			}
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *freezeProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	gate := make(chan struct{}) // closed = frozen
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	pipe := func(dst, src net.Conn, sniff bool) {
		defer p.wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if sniff {
					// Only the events WebSocket is frozen; REST keeps working.
					sniff = false
					if strings.HasPrefix(string(buf[:n]), "GET /ari/events") {
						p.mu.Lock()
						p.frozen = append(p.frozen, gate)
						p.mu.Unlock()
					}
				}
				select {
				case <-gate:
					_, _ = io.Copy(io.Discard, src) // frozen: the peer never hears
					return
				default:
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	p.wg.Add(2)
	go pipe(up, c, true)
	go pipe(c, up, false)
}

// Freeze stops forwarding on every existing connection.
func (p *freezeProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		select {
		case <-f:
		default:
			close(f)
		}
	}
	p.frozen = nil
}

// TestPingDetectsHalfOpen: when the path goes silent without a close,
// the client's own pings notice, and it reconnects and reconciles.
func TestPingDetectsHalfOpen(t *testing.T) {
	_, url := fakeari.StartTest(t, fakeari.WithAuth("u", "p"))
	proxy := newFreezeProxy(t, strings.TrimPrefix(url, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ari.Connect(ctx, "http://"+proxy.l.Addr().String(), ari.WithAuth("u", "p"), ari.WithApps("cid"),
		ari.WithPing(50*time.Millisecond, 200*time.Millisecond), ari.WithBackoff(5*time.Millisecond, 20*time.Millisecond, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	all := c.Events().Subscribe(ari.Filter{})
	defer all.Cancel()
	proxy.Freeze()
	expect(t, all, ari.TypeDisconnected, ari.TypeConnected, ari.TypeReconciled)
	if st := c.Stats(); st.Connects != 2 {
		t.Fatalf("connects %d", st.Connects)
	}
}
