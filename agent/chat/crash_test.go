package chat

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestCrashHelperSend is the child process of
// TestAckedMessageSurvivesSIGKILL: it opens the store, sends messages in a
// direct room, prints "acked <room> <id>" after each Send returns, and
// waits to be killed.
func TestCrashHelperSend(t *testing.T) {
	dir := os.Getenv("PBX_CHAT_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestAckedMessageSurvivesSIGKILL")
	}
	st := openStore(t, dir)
	s, err := New(storeKV(st), testUsers{}, Config{MaxMessageBytes: 4096, RatePerMinute: 1000, Burst: 1000})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	room, _, err := s.CreateRoom(ctx, alice, CreateRoomRequest{Members: []string{bob}})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for i := range 3 {
		m, _, err := s.Send(ctx, alice, room.ID, SendRequest{Text: fmt.Sprint("acked ", i)})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("acked", room.ID, m.ID)
	}
	select {} // until SIGKILL
}

// TestAckedMessageSurvivesSIGKILL kills the daemon's store process right
// after Send returned and checks, in the store reopened, the message, the
// room's last message and the recipient's unread count (written in the
// same batch).
func TestAckedMessageSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperSend$", "-test.v")
	cmd.Env = append(os.Environ(), "PBX_CHAT_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var room, last string
	for n := 0; n < 3 && lines.Scan(); {
		f := strings.Fields(lines.Text())
		if len(f) > 0 && f[0] == "error" {
			t.Fatalf("child: %s", lines.Text())
		}
		if len(f) == 3 && f[0] == "acked" {
			room, last = f[1], f[2]
			n++
		}
	}
	if last == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("child acknowledged nothing: %v", lines.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	st := openStore(t, dir)
	defer st.Close()
	s, err := New(storeKV(st), testUsers{}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Messages(ctx, bob, room, Query{Limit: 10})
	if err != nil || len(p.Messages) != 3 || p.Messages[2].ID != last {
		t.Fatalf("after SIGKILL: %+v %v", p, err)
	}
	v, err := s.Room(ctx, bob, room)
	if err != nil || v.Unread != 3 || v.LastMessage == nil || v.LastMessage.ID != last {
		t.Fatalf("room after SIGKILL: %+v %v", v, err)
	}
}
