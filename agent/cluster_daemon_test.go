package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestDaemonCluster: two daemons share one directory through an
// in-process NATS JetStream: the first takes the writer lease; a write
// sent to the second is refused with 421 naming the first; the first's
// writes are served by the second; both are ready.
func TestDaemonCluster(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	node := func(id string) func(*config.Config) {
		return func(c *config.Config) {
			c.Cluster.NATSURL, c.Cluster.NodeID = ns.ClientURL(), id
			c.Cluster.AdvertiseURL = "https://" + id + ".example:8080"
			c.Cluster.LeaseTTL, c.Cluster.MaxLag = 3*time.Second, 2*time.Second
		}
	}
	_, baseA := testDaemon(t, node("a"))
	a := client{t, baseA, "test-admin-token"}
	contact := []byte(`{"first_name":"Ana","last_name":"Kovač","numbers":[{"type":"mobile","value":"061 111-111"}]}`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := a.do("POST", "/api/v1/contacts", "application/json", contact)
		if code == 201 {
			break
		}
		if code != 421 || time.Now().After(deadline) {
			t.Fatalf("create on a: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond) // a takes the lease on its first renewal tick
	}
	_, baseB := testDaemon(t, node("b"))
	b := client{t, baseB, "test-admin-token"}
	code, body := b.do("POST", "/api/v1/contacts", "application/json", contact)
	if code != 421 || !strings.Contains(string(body), `"code":"not_writer"`) || !strings.Contains(string(body), "https://a.example:8080") {
		t.Fatalf("create on the follower: %d %s", code, body)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		code, body = b.do("GET", "/api/v1/contacts?q=Kova", "", nil)
		if code == 200 && strings.Contains(string(body), "Ana Kovač") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writer's contact never reached b: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond) // polling b's API: the eventual check
	}
	for _, c := range []client{a, b} {
		if code, body := c.do("GET", "/readyz", "", nil); code != 200 {
			t.Fatalf("readyz: %d %s", code, body)
		}
	}
}
