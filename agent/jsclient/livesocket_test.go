package jsclient

import (
	"context"
	"net/http"
	"testing"

	"github.com/coder/websocket"
)

// liveSocket stands in for the daemon's events socket in a live view's
// Node test: a connection is welcomed on one topic at seq 100 and handed
// to the test (accept); send writes frames to it, then pings, so that the
// client has read them before the server answers anything else; how the
// connection ended comes back from closeCode.
type liveSocket struct {
	t      *testing.T
	ctx    context.Context
	topic  string
	conns  chan *websocket.Conn
	closed chan websocket.StatusCode
	conn   *websocket.Conn
}

// newLiveSocket returns the stand-in of the socket of topic, living as
// long as ctx.
func newLiveSocket(ctx context.Context, t *testing.T, topic string) *liveSocket {
	return &liveSocket{t: t, ctx: ctx, topic: topic, conns: make(chan *websocket.Conn, 1), closed: make(chan websocket.StatusCode, 1)}
}

// serve is the handler of GET /api/v1/events: it welcomes the client and
// reads until the connection ends.
func (s *liveSocket) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"pbxagent.events"}})
	if err != nil {
		return
	}
	defer c.CloseNow()
	_ = c.Write(s.ctx, websocket.MessageText, []byte(`{"op":"welcome","seq":100,"topics":["`+s.topic+`"],"window":{"events":10000,"seconds":300}}`))
	s.conns <- c
	for {
		if _, _, err := c.Read(s.ctx); err != nil {
			s.closed <- websocket.CloseStatus(err)
			return
		}
	}
}

// accept waits for the client's connection; send writes to it from then
// on.
func (s *liveSocket) accept() { s.conn = <-s.conns }

// send writes frames to the connection, then pings it.
func (s *liveSocket) send(frames ...string) {
	for _, f := range frames {
		if err := s.conn.Write(s.ctx, websocket.MessageText, []byte(f)); err != nil {
			s.t.Errorf("write: %v", err)
		}
	}
	if err := s.conn.Ping(s.ctx); err != nil {
		s.t.Errorf("ping: %v", err)
	}
}

// closeCode waits for the connection to end and returns its close code.
func (s *liveSocket) closeCode() websocket.StatusCode {
	select {
	case code := <-s.closed:
		return code
	case <-s.ctx.Done():
		s.t.Fatal("the socket did not close")
		return 0
	}
}
