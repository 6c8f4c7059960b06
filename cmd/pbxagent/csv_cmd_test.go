package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const threeRows = `Ana,,Anić,ana@example.ba,Example d.o.o.,mobile:061 111-111,work:+38733123456
Emir,,Hodžić,emir@example.ba,BH Telecom,work:033 222 111,other:555
Chevy,,Yesipov,cyesipov0@example.com,Jacobi and Sons,mobile:50011,work:600111
`

// total returns the number of contacts of a source through the CLI.
func total(t *testing.T, env []string, source string) int {
	t.Helper()
	r := runCLI(t, env, "", "contacts", "list", "--json", "--source", source)
	var p struct{ Total int }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil {
		t.Fatalf("list: %+v", r)
	}
	return p.Total
}

func TestImportExportCommands(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	dir := t.TempDir()
	three := writeFile(t, "three.csv", threeRows)
	one := writeFile(t, "one.csv", strings.SplitAfter(threeRows, "\n")[0])
	malformed := writeFile(t, "bad.csv", threeRows+"Broken,,Row\nAlso,\"unterminated\n")
	exported := filepath.Join(dir, "export.csv")

	tests := []struct {
		name    string
		term    fakeTerm
		stdin   string
		args    []string
		code    int
		stdout  []string
		stderr  []string
		notErr  []string
		notOut  []string
		csvRows int // contacts from CSV after the step
	}{
		{name: "replace refused without a terminal", args: []string{"contacts", "import", three}, code: 2,
			stderr: []string{"stdin is not a terminal", "--yes"}, csvRows: 0},
		{name: "replace from stdin needs --yes", term: fakeTerm{stdin: true}, stdin: threeRows, args: []string{"contacts", "import", "-"}, code: 2,
			stderr: []string{"pass --yes"}, csvRows: 0},
		{name: "answer no", term: fakeTerm{stdin: true}, stdin: "n\n", args: []string{"contacts", "import", three, "--replace"}, code: 1,
			stderr: []string{"CSV upload will delete existing records. Do you want to proceed? [y/N]", "cancelled"}, csvRows: 0},
		{name: "empty answer is no", term: fakeTerm{stdin: true}, stdin: "", args: []string{"contacts", "import", three}, code: 1,
			stderr: []string{"cancelled"}, csvRows: 0},
		{name: "answer yes", term: fakeTerm{stdin: true}, stdin: "y\n", args: []string{"contacts", "import", three},
			stderr: []string{"Do you want to proceed? [y/N]"}, notErr: []string{"upload [", "warning"},
			stdout:  []string{"imported " + three + " (central-phone-book, replace): 3 rows, 3 created, 0 updated, 0 unchanged, 0 deleted"},
			csvRows: 3},
		{name: "malformed rows list their lines", args: []string{"contacts", "import", malformed, "--yes"}, code: 1,
			stderr: []string{"malformed row", "\n  line 4", "\n  line 5"}, csvRows: 3},
		{name: "merge asks nothing", args: []string{"contacts", "import", one, "--merge"},
			stdout: []string{"(central-phone-book, merge): 1 rows, 0 created, 0 updated, 1 unchanged, 0 deleted"}, csvRows: 3},
		{name: "replace --yes deletes what the file lacks, progress on a terminal", term: fakeTerm{stdout: true, width: 60},
			args: []string{"contacts", "import", "--yes", one}, stdout: []string{"1 unchanged, 2 deleted"},
			stderr: []string{"\rupload [", "] 100% ", "\n" + applying + "\rdone: 1 rows written"}, csvRows: 1},
		{name: "merge from stdin", stdin: threeRows, args: []string{"contacts", "import", "--merge", "-", "--json"},
			stdout: []string{`"created": 2`, `"unchanged": 1`, `"format": "central-phone-book"`, `"format_description": "Central Phone Book (no header row)"`}, csvRows: 3},
		{name: "replace and merge exclude each other", args: []string{"contacts", "import", three, "--replace", "--merge"}, code: 2, csvRows: 3},
		{name: "missing file", args: []string{"contacts", "import", filepath.Join(dir, "nope.csv"), "--yes"}, code: 1,
			stderr: []string{"nope.csv"}, csvRows: 3},
		{name: "export to stdout", args: []string{"contacts", "export"}, stdout: []string{"Ana,,Anić,ana@example.ba", "Jacobi and Sons"}, csvRows: 3},
		{name: "export to a file", args: []string{"contacts", "export", "-o", exported}, stderr: []string{"wrote " + exported}, csvRows: 3},
		{name: "export of one source", args: []string{"contacts", "export", "--source", "csv"}, stdout: []string{"Ana,,Anić,ana@example.ba"}, csvRows: 3},
		{name: "export of a source with no contacts", args: []string{"contacts", "export", "--source", "local"}, notOut: []string{"Ana"}, csvRows: 3},
		{name: "export of an unknown source", args: []string{"contacts", "export", "--source", "m365"}, code: 1,
			stderr: []string{`source "m365": no such source`}, notOut: []string{"Ana"}, csvRows: 3},
		{name: "template", args: []string{"contacts", "template"}, stdout: []string{","}, csvRows: 3},
		{name: "export with a wrong token", args: []string{"contacts", "export", "-o", filepath.Join(dir, "x.csv"), "--server", base},
			term: fakeTerm{}, code: 1, stderr: []string{"a valid admin bearer token is required"}, csvRows: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := env
			if tc.name == "export with a wrong token" {
				e = []string{"PBXAGENT_TOKEN=wrong"}
			}
			r := runTerm(t, tc.term, e, tc.stdin, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(r.stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, r.stderr)
				}
			}
			for _, w := range tc.notOut {
				if strings.Contains(r.stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, r.stdout)
				}
			}
			if got := total(t, env, "csv"); got != tc.csvRows {
				t.Errorf("%d CSV contacts, want %d", got, tc.csvRows)
			}
		})
	}

	// The exported file imports back unchanged, and no temp file is left.
	b, err := os.ReadFile(exported)
	if err != nil || !strings.Contains(string(b), "Chevy,,Yesipov") {
		t.Fatalf("exported file: %v %q", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed export left its file: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	r := runCLI(t, env, "", "contacts", "import", "--yes", exported)
	if r.code != 0 || !strings.Contains(r.stdout, "0 created, 0 updated, 3 unchanged, 0 deleted") {
		t.Fatalf("re-import of the export: %+v", r)
	}
}

// watchWriter is a goroutine-safe buffer that closes seen when the text
// written so far contains want.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watchWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(b)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestConfirmPromptEndsOnInterrupt(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	three := writeFile(t, "three.csv", threeRows)
	pr, pw := io.Pipe() // a terminal nobody types into
	defer pw.Close()    // ends the prompt's reader goroutine
	prompted := make(chan struct{})
	errw := &watchWriter{want: "[y/N]", seen: prompted}
	var out bytes.Buffer
	c := &cli{stdin: pr, stdout: &out, stderr: errw, environ: env,
		isTerminal: func(s any) bool { return s == any(pr) },
		termWidth:  func(any) int { return 0 },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		code, _ := c.run(ctx, []string{"contacts", "import", three})
		done <- code
	}()
	select {
	case <-prompted:
	case code := <-done:
		t.Fatalf("ended without asking: %d %s", code, errw.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no prompt")
	}
	cancel()
	select {
	case code := <-done:
		if code != exitError || !strings.Contains(errw.String(), "interrupted") {
			t.Fatalf("exit %d: %s", code, errw.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the prompt ignored the interrupt")
	}
	if n := total(t, env, "csv"); n != 0 {
		t.Fatalf("%d contacts imported", n)
	}
}

// A file with a header row says which format it was read as and which of
// its columns were not imported.
func TestImportSaysFormatAndSkippedColumns(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	headed := writeFile(t, "headed.csv", "First Name,Last Name,Company,Phone,Mobile,Notes,Birthday\n"+
		"Ana,Anić,Example,033 123 456,061 111 111,likes tea,\n"+
		"Emir,Hodžić,BH Telecom,,062 222 222,,1990-01-01\n")
	r := runCLI(t, env, "", "contacts", "import", "--merge", headed)
	if r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	for _, want := range []string{"format: Outlook export (recognised by its header row)",
		`skipped column 6 "Notes": 1 values not imported`, `skipped column 7 "Birthday": 1 values not imported`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "(outlook, merge): 2 rows, 2 created") {
		t.Errorf("stdout: %s", r.stdout)
	}
	// The numbers of the Phone and Mobile columns were imported.
	for number, name := range map[string]string{"+38733123456": "Ana Anić", "+38762222222": "Emir Hodžić"} {
		if l := runCLI(t, env, "", "lookup", number); l.code != 0 || !strings.Contains(l.stdout, name) {
			t.Errorf("lookup %s: %+v", number, l)
		}
	}
}
