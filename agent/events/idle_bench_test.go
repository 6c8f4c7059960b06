package events

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// The helper process of BenchmarkIdleClientMemory reads these.
const (
	idleURLEnv = "PBXAGENT_BENCH_IDLE_URL"
	idleNEnv   = "PBXAGENT_BENCH_IDLE_N"
)

// BenchmarkIdleClientMemory is issue #20's memory figure: the server's
// memory per idle client of the events socket. 1 000 clients, each a
// different user subscribed to calls, presence and chat, connect and
// stay idle; they run in a helper process (this test binary again,
// TestIdleClientsHelper), so this process holds only the server side:
// the handler's goroutines, the websocket connections and buffers, the
// hub's subscribers and route entries. Measured after GC: heap in use
// plus goroutine stacks, before the clients connect and once the hub
// counts them all; reported per client in KB (target ≤ 50 KB), with the
// goroutines per client. Kernel socket buffers are not counted (not the
// process's memory).
func BenchmarkIdleClientMemory(b *testing.B) {
	const clients = 1000
	hub, err := NewHub(DefaultConfig(), WithPrincipalVersion(func() uint64 { return 1 }))
	if err != nil {
		b.Fatal(err)
	}
	h := NewHandler(hub, WithPingInterval(30*time.Second))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := platform.Principal{Kind: platform.KindSession, UserID: r.Header.Get("X-User"), Role: platform.RoleUser}
		h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	}))
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	}()
	inUse := func() (heap, stack uint64, goroutines int) {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse, m.StackInuse, runtime.NumGoroutine()
	}
	var perClient, heapKB, stackKB, goroutines float64
	for range b.N {
		heap0, stack0, g0 := inUse()
		stop := idleClients(b, "ws"+strings.TrimPrefix(srv.URL, "http")+"?topics=calls,presence,chat", clients)
		for deadline := time.Now().Add(30 * time.Second); hub.Subscribers() < clients; {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d clients subscribed", hub.Subscribers(), clients)
			}
			runtime.Gosched()
		}
		heap1, stack1, g1 := inUse()
		heapKB += (float64(heap1) - float64(heap0)) / clients / 1024
		stackKB += (float64(stack1) - float64(stack0)) / clients / 1024
		perClient += (float64(heap1+stack1) - float64(heap0+stack0)) / clients / 1024
		goroutines += float64(g1-g0) / clients
		stop()
		for deadline := time.Now().Add(30 * time.Second); hub.Subscribers() > 0; {
			if time.Now().After(deadline) {
				b.Fatalf("%d clients still subscribed", hub.Subscribers())
			}
			runtime.Gosched()
		}
	}
	b.ReportMetric(perClient/float64(b.N), "KB/client")
	b.ReportMetric(heapKB/float64(b.N), "heap-KB/client")
	b.ReportMetric(stackKB/float64(b.N), "stack-KB/client")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/client")
}

// idleClients starts the helper process with n clients of url, waits
// until they are all connected, and returns what stops it.
func idleClients(b *testing.B, url string, n int) (stop func()) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientsHelper$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), idleURLEnv+"="+url, idleNEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if sc.Text() == "ready" {
			ready = true
			break
		}
	}
	if !ready {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.Fatal("idle clients helper ended before its clients were connected")
	}
	return func() {
		_ = in.Close() // the helper closes its clients and ends
		go func() {
			for sc.Scan() { // drain what the test framework prints
			}
		}()
		if err := cmd.Wait(); err != nil {
			b.Errorf("idle clients helper: %v", err)
		}
	}
}

// TestIdleClientsHelper is BenchmarkIdleClientMemory's client process:
// it connects PBXAGENT_BENCH_IDLE_N clients to PBXAGENT_BENCH_IDLE_URL,
// reads each one's welcome, prints "ready", and holds them (reading,
// as a client does) until its standard input closes. Run on its own, it
// skips.
func TestIdleClientsHelper(t *testing.T) {
	url := os.Getenv(idleURLEnv)
	if url == "" {
		t.Skip("the helper process of BenchmarkIdleClientMemory")
	}
	n, err := strconv.Atoi(os.Getenv(idleNEnv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"X-User": {"u" + strconv.Itoa(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := conn.Read(ctx); err != nil { // welcome
			t.Fatal(err)
		}
		conns = append(conns, conn)
		go func() {
			for {
				if _, _, err := conn.Read(ctx); err != nil {
					return
				}
			}
		}()
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadByte() // until EOF
	for _, c := range conns {
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
}
