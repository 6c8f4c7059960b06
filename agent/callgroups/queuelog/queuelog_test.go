package queuelog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

var t0 = time.Unix(1733572800, 0) // 2024-12-07 12:00:00 UTC

// TestFromEntry checks each verb's line against the format app_queue.c
// writes (the function named in each case).
func TestFromEntry(t *testing.T) {
	tests := []struct {
		name string
		e    callgroups.Entry
		want string
	}{
		{name: "ENTERQUEUE url|callerid|origposition (queue_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbEnterQueue, Caller: "1733572800.42", GroupID: "sales", CallerNumber: "+41445551234", Position: 3, OrigPosition: 3},
			want: "1733572800|1733572800.42|sales|NONE|ENTERQUEUE||+41445551234|3"},
		{name: "CONNECT holdtime|member uniqueid|ringtime (try_calling)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbConnect, Caller: "c1", GroupID: "sales", UserID: "u1", Agent: "Anna Meier", Wait: 12900 * time.Millisecond, Ring: 4 * time.Second, CallID: "pbxcall-1"},
			want: "1733572800|c1|sales|Anna Meier|CONNECT|12|pbxcall-1|4"},
		{name: "COMPLETECALLER holdtime|calltime|origposition (handle_hangup)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbCompleteCaller, Caller: "c1", GroupID: "sales", UserID: "u1", Agent: "Anna", Wait: 12 * time.Second, Talk: 185 * time.Second, OrigPosition: 2},
			want: "1733572800|c1|sales|Anna|COMPLETECALLER|12|185|2"},
		{name: "COMPLETEAGENT, the agent falls back to the user id",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbCompleteAgent, Caller: "c1", GroupID: "sales", UserID: "u1", Wait: time.Second, Talk: 60 * time.Second, Position: 1},
			want: "1733572800|c1|sales|u1|COMPLETEAGENT|1|60|1"},
		{name: "BLINDTRANSFER exten|context|holdtime|calltime|origposition (handle_blind_transfer)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbTransfer, Caller: "c1", GroupID: "sales", Agent: "Anna", Wait: 5 * time.Second, Talk: 30 * time.Second, OrigPosition: 1},
			want: "1733572800|c1|sales|Anna|BLINDTRANSFER|||5|30|1"},
		{name: "ABANDON position|origposition|waittime (queue_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbAbandon, Caller: "c2", GroupID: "sales", Position: 1, OrigPosition: 4, Wait: 95 * time.Second},
			want: "1733572800|c2|sales|NONE|ABANDON|1|4|95"},
		{name: "EXITWITHTIMEOUT position|origposition|waittime (queue_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbExitTimeout, Caller: "c3", GroupID: "sales", Position: 2, OrigPosition: 2, Wait: 300 * time.Second},
			want: "1733572800|c3|sales|NONE|EXITWITHTIMEOUT|2|2|300"},
		{name: "EXITEMPTY position|origposition|waittime (queue_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbExitEmpty, Caller: "c4", GroupID: "sales", Position: 1, OrigPosition: 1, Wait: 7 * time.Second},
			want: "1733572800|c4|sales|NONE|EXITEMPTY|1|1|7"},
		{name: "RINGNOANSWER milliseconds (rna)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbRingNoAnswer, Caller: "c1", GroupID: "sales", UserID: "u2", Agent: "Bob", Ring: 15250 * time.Millisecond},
			want: "1733572800|c1|sales|Bob|RINGNOANSWER|15250"},
		{name: "ADDMEMBER paused (aqm_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbAddMember, GroupID: "sales", UserID: "u2", Agent: "Bob", Paused: true},
			want: "1733572800|NONE|sales|Bob|ADDMEMBER|PAUSED"},
		{name: "ADDMEMBER not paused: an empty field",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbAddMember, GroupID: "sales", UserID: "u2", Agent: "Bob"},
			want: "1733572800|NONE|sales|Bob|ADDMEMBER|"},
		{name: "REMOVEMEMBER (rqm_exec)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbRemoveMember, GroupID: "sales", Agent: "Bob"},
			want: "1733572800|NONE|sales|Bob|REMOVEMEMBER|"},
		{name: "PAUSE reason, callid NONE (set_queue_member_pause)",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbPause, GroupID: "sales", Agent: "Bob", Reason: "lunch"},
			want: "1733572800|NONE|sales|Bob|PAUSE|lunch"},
		{name: "UNPAUSE without reason",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbUnpause, GroupID: "sales", Agent: "Bob"},
			want: "1733572800|NONE|sales|Bob|UNPAUSE|"},
		{name: "FULL as Wazo writes it",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbFull, Caller: "c5", GroupID: "sales"},
			want: "1733572800|c5|sales|NONE|FULL|"},
		{name: "JOINEMPTY",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbJoinEmpty, Caller: "c6", GroupID: "sales"},
			want: "1733572800|c6|sales|NONE|JOINEMPTY|"},
		{name: "a '|' or a line end in a name is replaced",
			e:    callgroups.Entry{Time: t0, Verb: callgroups.VerbPause, GroupID: "sales", Agent: "A|B", Reason: "x\ny"},
			want: "1733572800|NONE|sales|A_B|PAUSE|x_y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromEntry(tt.e).String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Line
		err  error
	}{
		{name: "a connect", in: "1733572800|c1|sales|Anna|CONNECT|12|pbxcall-1|4\n",
			want: Line{Time: t0, CallID: "c1", Queue: "sales", Agent: "Anna", Event: "CONNECT", Data: []string{"12", "pbxcall-1", "4"}}},
		{name: "an empty data field", in: "1733572800|NONE|sales|Bob|UNPAUSE|",
			want: Line{Time: t0, CallID: "NONE", Queue: "sales", Agent: "Bob", Event: "UNPAUSE", Data: []string{""}}},
		{name: "Asterisk's QUEUESTART, with no data", in: "1733572800|NONE|NONE|NONE|QUEUESTART\r\n",
			want: Line{Time: t0, CallID: "NONE", Queue: "NONE", Agent: "NONE", Event: "QUEUESTART"}},
		{name: "too few fields", in: "1733572800|c1|sales|Anna", err: ErrFields},
		{name: "a date instead of epoch", in: "2024-12-07 12:00:00|c1|sales|NONE|ENTERQUEUE||1|1", err: ErrTime},
		{name: "a signed epoch", in: "+1733572800|c1|sales|NONE|FULL|", err: ErrTime},
		{name: "no event", in: "1733572800|c1|sales|NONE||", err: ErrEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err == nil && !equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func equal(a, b Line) bool {
	a.Time, b.Time = a.Time.UTC(), b.Time.UTC()
	return reflect.DeepEqual(a, b)
}

// TestRoundTrip: every verb's line parses back to the entry it was made
// from (in whole seconds, with the agent as the user).
func TestRoundTrip(t *testing.T) {
	entries := []callgroups.Entry{
		{Time: t0, Verb: callgroups.VerbEnterQueue, Caller: "c1", GroupID: "g", CallerNumber: "100", Position: 2, OrigPosition: 2},
		{Time: t0, Verb: callgroups.VerbConnect, Caller: "c1", GroupID: "g", UserID: "ann", Agent: "ann", Wait: 3 * time.Second, Ring: 2 * time.Second, CallID: "k"},
		{Time: t0, Verb: callgroups.VerbCompleteAgent, Caller: "c1", GroupID: "g", UserID: "ann", Agent: "ann", Wait: 3 * time.Second, Talk: 9 * time.Second, OrigPosition: 2},
		{Time: t0, Verb: callgroups.VerbTransfer, Caller: "c1", GroupID: "g", UserID: "ann", Agent: "ann", Wait: 3 * time.Second, Talk: 9 * time.Second, OrigPosition: 2},
		{Time: t0, Verb: callgroups.VerbAbandon, Caller: "c2", GroupID: "g", Position: 1, OrigPosition: 3, Wait: 4 * time.Second},
		{Time: t0, Verb: callgroups.VerbExitTimeout, Caller: "c2", GroupID: "g", Position: 1, OrigPosition: 3, Wait: 4 * time.Second},
		{Time: t0, Verb: callgroups.VerbExitEmpty, Caller: "c2", GroupID: "g", Position: 1, OrigPosition: 3, Wait: 4 * time.Second},
		{Time: t0, Verb: callgroups.VerbRingNoAnswer, Caller: "c2", GroupID: "g", UserID: "bob", Agent: "bob", Ring: 1500 * time.Millisecond},
		{Time: t0, Verb: callgroups.VerbAddMember, GroupID: "g", UserID: "bob", Agent: "bob", Paused: true},
		{Time: t0, Verb: callgroups.VerbRemoveMember, GroupID: "g", UserID: "bob", Agent: "bob"},
		{Time: t0, Verb: callgroups.VerbPause, GroupID: "g", UserID: "bob", Agent: "bob", Reason: "lunch"},
		{Time: t0, Verb: callgroups.VerbUnpause, GroupID: "g", UserID: "bob", Agent: "bob"},
		{Time: t0, Verb: callgroups.VerbFull, Caller: "c3", GroupID: "g"},
		{Time: t0, Verb: callgroups.VerbJoinEmpty, Caller: "c4", GroupID: "g"},
	}
	for _, e := range entries {
		t.Run(string(e.Verb), func(t *testing.T) {
			l, err := Parse(FromEntry(e).String())
			if err != nil {
				t.Fatal(err)
			}
			got, ok := ToEntry(l)
			if !ok {
				t.Fatalf("%s not read back", e.Verb)
			}
			got.Time = got.Time.In(e.Time.Location())
			if !reflect.DeepEqual(got, e) {
				t.Errorf("got  %+v\nwant %+v", got, e)
			}
		})
	}
	if _, ok := ToEntry(Line{Event: "CONFIGRELOAD"}); ok {
		t.Error("CONFIGRELOAD read as an entry")
	}
}

// FuzzParse: whatever Parse accepts formats to a line that parses to the
// same; Parse never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1733572800|c1|sales|Anna|CONNECT|12|pbxcall-1|4", "1|NONE|q|a|PAUSE|", "1|a|b|c|D", "x|||||", "01|a|b|c|E|f\r\n", "1|a|b|c|E|\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			return
		}
		out := l.String()
		if strings.ContainsAny(out, "\n\x00") {
			t.Fatalf("%q formats to %q", s, out)
		}
		l2, err := Parse(out)
		if err != nil {
			t.Fatalf("%q formats to %q, which does not parse: %v", s, out, err)
		}
		if len(l.Data) == 0 {
			l.Data = []string{""} // written with the empty field app_queue always writes
		}
		if !equal(l, l2) {
			t.Fatalf("%q: %+v then %+v", s, l, l2)
		}
	})
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestWriterAppendsAndReopens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "queue_log")
	if err := os.WriteFile(path, []byte("1|NONE|NONE|NONE|QUEUESTART|\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w.Record(ctx, callgroups.Entry{Time: t0, Verb: callgroups.VerbFull, Caller: "c1", GroupID: "g"})
	if got := readLines(t, path); !reflect.DeepEqual(got, []string{"1|NONE|NONE|NONE|QUEUESTART|", "1733572800|c1|g|NONE|FULL|"}) {
		t.Fatalf("after one line: %q", got)
	}
	// logrotate: the file is moved away, then Reopen.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	w.Record(ctx, callgroups.Entry{Time: t0, Verb: callgroups.VerbJoinEmpty, Caller: "c2", GroupID: "g"})
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Record(ctx, callgroups.Entry{Time: t0, Verb: callgroups.VerbJoinEmpty, Caller: "c3", GroupID: "g"})
	if got := readLines(t, rotated); len(got) != 3 || got[2] != "1733572800|c2|g|NONE|JOINEMPTY|" {
		t.Errorf("rotated file: %q", got)
	}
	if got := readLines(t, path); !reflect.DeepEqual(got, []string{"1733572800|c3|g|NONE|JOINEMPTY|"}) {
		t.Errorf("new file: %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Record(ctx, callgroups.Entry{Time: t0, Verb: callgroups.VerbFull, Caller: "c4", GroupID: "g"})
	if w.Failures() != 1 {
		t.Errorf("a Record after Close: %d failures, want 1", w.Failures())
	}
	if err := w.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen after Close: %v", err)
	}
}

func TestWriterOpenError(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir", "queue_log")); err == nil {
		t.Fatal("opened a file in a missing directory")
	}
}

// TestWriterConcurrent: lines written at once by many goroutines are whole.
func TestWriterConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue_log")
	w, err := Open(path, WithSync(false))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const goroutines, each = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				w.Record(context.Background(), callgroups.Entry{Time: t0, Verb: callgroups.VerbEnterQueue, Caller: fmt.Sprintf("c%d.%d", g, i), GroupID: "g", CallerNumber: strings.Repeat("9", 40), Position: i})
			}
		})
	}
	wg.Wait()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		l, err := Parse(sc.Text())
		if err != nil || l.Event != "ENTERQUEUE" || len(l.Data) != 3 {
			t.Fatalf("line %d torn: %q (%v)", n, sc.Text(), err)
		}
	}
	if n != goroutines*each {
		t.Errorf("%d lines, want %d", n, goroutines*each)
	}
}

func BenchmarkWriterRecord(b *testing.B) {
	w, err := Open(filepath.Join(b.TempDir(), "queue_log"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	e := callgroups.Entry{Time: t0, Verb: callgroups.VerbConnect, Caller: "1733572800.42", GroupID: "sales", UserID: "u1", Agent: "Anna Meier", Wait: 12 * time.Second, Ring: 4 * time.Second, CallID: "pbxcall-0123456789abcdef"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		w.Record(ctx, e)
	}
}
