package replica

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testLogger logs to stderr when PBX_REPL_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("PBX_REPL_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return quiet
}

// startNATS runs an in-process nats-server with JetStream on loopback.
func startNATS(t testing.TB, dir string) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

func openStore(t testing.TB, dir string) *phonebook.Store {
	t.Helper()
	norm, err := number.New(number.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, Numbering: number.Numbering{Normalizer: norm}, Logger: quiet, MemoryBudget: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

// testNode is one node: a store in dir and its replica.Node.
type testNode struct {
	t     testing.TB
	id    string
	dir   string
	url   string
	cfg   Config
	store *phonebook.Store
	nc    *nats.Conn
	node  *Node
}

func startNode(t testing.TB, id, dir, url string, cfg Config) *testNode {
	t.Helper()
	tn := &testNode{t: t, id: id, dir: dir, url: url, cfg: cfg}
	tn.start()
	t.Cleanup(tn.stop)
	return tn
}

func (tn *testNode) start() {
	tn.t.Helper()
	tn.store = openStore(tn.t, tn.dir)
	tn.nc = connect(tn.t, tn.url)
	cfg := tn.cfg
	cfg.NodeID, cfg.Addr, cfg.Logger = tn.id, "http://"+tn.id+".example:8080", testLogger().With("node", tn.id)
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = 3 * time.Second // long enough for a loaded machine's renewals
	}
	if cfg.MaxLag == 0 {
		cfg.MaxLag = 500 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := Start(ctx, tn.nc, tn.store, cfg)
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.node = n
}

func (tn *testNode) stop() {
	if tn.node != nil {
		tn.node.Close()
		tn.node = nil
	}
	if tn.nc != nil {
		tn.nc.Close()
		tn.nc = nil
	}
	if tn.store != nil {
		_ = tn.store.Close()
		tn.store = nil
	}
}

// eventually retries check until it returns nil or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		if err = check(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, within, err)
		}
		<-tick.C
	}
}

// writerOf waits for one node of nodes to be the writer.
func writerOf(t testing.TB, nodes ...*testNode) *testNode {
	t.Helper()
	var w *testNode
	eventually(t, 10*time.Second, "a writer", func() error {
		for _, n := range nodes {
			if n.node != nil && n.node.IsWriter() {
				w = n
				return nil
			}
		}
		return errors.New("no writer")
	})
	return w
}

// converge waits until every node applied the stream to its end and
// checks that their digests are equal.
func converge(t testing.TB, nodes ...*testNode) [32]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := nodes[0].node.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want [32]byte
	for i, n := range nodes {
		if err := n.node.WaitApplied(ctx, last); err != nil {
			t.Fatalf("node %s: %v", n.id, err)
		}
		d, err := n.store.Digest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = d
		} else if d != want {
			t.Fatalf("node %s: digest %x, node %s: %x", n.id, d, nodes[0].id, want)
		}
	}
	return want
}

// proxy is a TCP proxy to a NATS server that a test can cut and restore.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true); p.wg.Wait() })
	return p
}

func (p *proxy) url() string { return "nats://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); _ = c.Close() }()
		p.mu.Unlock()
	}
}

// setCut closes every proxied connection and refuses new ones (true), or
// lets them through again (false).
func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.conns = nil
	}
}
