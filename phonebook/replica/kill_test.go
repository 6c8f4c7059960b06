package replica

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const killRows = 30_000

// TestKillHelperWriter is the child process of TestKillWriterMidImport:
// a writer node that imports killRows contacts in one load, published in
// small chunks, until its parent kills it.
func TestKillHelperWriter(t *testing.T) {
	dir, url := os.Getenv("PBX_REPL_KILL_DIR"), os.Getenv("PBX_REPL_KILL_URL")
	if dir == "" {
		t.Skip("child process of TestKillWriterMidImport")
	}
	fail := func(err error) { fmt.Println("error", err); os.Exit(2) }
	n := startNode(t, "killed", dir, url, Config{ChunkSize: 8 << 10})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !n.node.IsWriter() {
		select {
		case <-ctx.Done():
			fail(errors.New("never the writer"))
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Println("writer")
	if err := loadRows(ctx, n.store, "crm", 0, killRows); err != nil {
		fail(err)
	}
	fmt.Println("done")
	os.Exit(0)
}

// TestKillWriterMidImport kills (SIGKILL) a writer node while it publishes
// an import's chunks: another node takes the lease; the import is on every
// node or on none; the killed node, restarted, reaches the same digest.
func TestKillWriterMidImport(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	kdir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PBX_REPL_KILL_DIR="+kdir, "PBX_REPL_KILL_URL="+ns.ClientURL())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "writer" {
		t.Fatalf("child: %q", lines.Text())
	}
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{})
	c := startNode(t, "c", t.TempDir(), ns.ClientURL(), Config{})

	// Kill it once the stream holds some of the import's chunks.
	js, err := jetstream.New(b.nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "import chunks in the stream", func() error {
		info, err := stream.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs < 20 {
			return fmt.Errorf("%d messages", info.State.Msgs)
		}
		return nil
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	_ = cmd.Wait()
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d messages in the stream", info.State.Msgs)

	w := writerOf(t, b, c)
	converge(t, b, c)
	nb, err := b.store.CountSource(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if nb != 0 && nb != killRows {
		t.Fatalf("node b has %d of the import's %d contacts", nb, killRows)
	}
	t.Logf("the import is on every node: %v", nb == killRows)
	// The new writer writes past the dead unit's chunks.
	if _, err := w.store.Create(ctx, contact(1)); err != nil {
		t.Fatal(err)
	}
	k := startNode(t, "killed", kdir, ns.ClientURL(), Config{})
	converge(t, b, c, k)
	if nk, err := k.store.CountSource(ctx, "crm"); err != nil || nk != nb {
		t.Fatalf("restarted node: %d contacts of the import, %v; others %d", nk, err, nb)
	}
	eventually(t, 10*time.Second, "the restarted node ready", k.node.Ready)
}
