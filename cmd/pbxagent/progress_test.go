package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/client"
)

func TestRenderProgress(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name        string
		done, total int64
		width       int
		want        string // exact line when set
		contains    []string
		bar         int // width of the bar between [ and ], -1 for no bar
		fill        int // '=' cells
	}{
		{name: "start", done: 0, total: 1000, width: 40, want: "upload [>            ]   0%    0/1000 B", bar: 13, fill: 0},
		{name: "half", done: 500, total: 1000, width: 40, want: "upload [======>      ]  50%  500/1000 B", bar: 13, fill: 6},
		{name: "done", done: 1000, total: 1000, width: 40, want: "upload [=============] 100% 1000/1000 B", bar: 13, fill: 13},
		{name: "overshoot clamps", done: 1500, total: 1000, width: 40, contains: []string{"100% 1000/1000 B"}, bar: 13, fill: 13},
		{name: "negative clamps", done: -5, total: 1000, width: 40, contains: []string{"  0%    0/1000 B"}, bar: 13, fill: 0},
		{name: "mebibytes", done: 3 * MiB / 2, total: 3 * MiB, width: 80, contains: []string{" 50% 1.5/3.0 MiB"}, bar: 53, fill: 26},
		{name: "ten mebibytes pads done", done: MiB, total: 12 * MiB, width: 80, contains: []string{"  8%  1.0/12.0 MiB"}, bar: 51, fill: 4},
		{name: "unknown width means 80", done: 1, total: 4, width: 0, contains: []string{" 25% 1/4 B"}, bar: 59, fill: 14},
		{name: "narrow drops the bar", done: 1, total: 4, width: 20, want: "upload  25% 1/4 B", bar: -1},
		{name: "very narrow truncates", done: 1, total: 4, width: 8, want: "upload ", bar: -1},
		{name: "unknown total", done: 2048, total: 0, width: 40, want: "upload 2.0 KiB", bar: -1},
		{name: "width one", done: 1, total: 2, width: 1, want: "", bar: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := renderProgress(tc.done, tc.total, tc.width)
			if tc.want != "" || tc.width == 1 {
				if got != tc.want {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
			}
			for _, c := range tc.contains {
				if !strings.Contains(got, c) {
					t.Fatalf("%q lacks %q", got, c)
				}
			}
			width := tc.width
			if width <= 0 {
				width = defaultWidth
			}
			if n := utf8.RuneCountInString(got); n > width-1 && width > 0 {
				t.Fatalf("%q is %d columns, terminal %d", got, n, width)
			}
			open, close := strings.IndexByte(got, '['), strings.IndexByte(got, ']')
			if tc.bar < 0 {
				if open >= 0 {
					t.Fatalf("%q has a bar", got)
				}
				return
			}
			if open < 0 || close < open {
				t.Fatalf("%q has no bar", got)
			}
			bar := got[open+1 : close]
			if len(bar) != tc.bar || strings.Count(bar, "=") != tc.fill {
				t.Fatalf("bar %q: width %d fill %d, want %d and %d", bar, len(bar), strings.Count(bar, "="), tc.bar, tc.fill)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestProgressReaderRedrawsOnlyOnChange(t *testing.T) {
	data := strings.Repeat("x", 1000)
	var out bytes.Buffer
	p := &progressReader{r: io.LimitReader(strings.NewReader(data), 1000), w: &out, total: 1000, width: 40}
	buf := make([]byte, 1) // 1000 one-byte reads
	n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{p}, buf)
	if err != nil || n != 1000 {
		t.Fatalf("copied %d: %v", n, err)
	}
	p.finish()
	draws := strings.Count(out.String(), "\r")
	// The byte count changes every byte here, so every read redraws; what
	// must not happen is a draw without a change.
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"+applying+"\n"), "\r")[1:]
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \n") == strings.TrimRight(lines[i-1], " \n") {
			t.Fatalf("draw %d repeats the previous one: %q", i, lines[i])
		}
	}
	if draws < 100 || !strings.HasSuffix(out.String(), "] 100% 1000/1000 B\n"+applying+"\n") {
		t.Fatalf("%d draws, ends %q", draws, out.String()[max(0, out.Len()-40):])
	}

	// In MiB the text changes every 0.1 MiB: far fewer draws than reads.
	out.Reset()
	const size = 4 << 20
	p = &progressReader{r: io.LimitReader(zeros{}, size), w: &out, total: size, width: 60}
	if _, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{p}, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if d := strings.Count(out.String(), "\r"); d > 200 {
		t.Fatalf("%d draws for 1024 reads", d)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestProgressPadsShorterLines(t *testing.T) {
	var out bytes.Buffer
	p := &progressReader{w: &out, width: 80, last: "upload 1023 B"}
	p.done = 1024
	p.draw()
	if got := out.String(); got != "\rupload 1.0 KiB" {
		t.Fatalf("%q", got)
	}
	out.Reset()
	p.last = "upload 1023.0 KiB extra"
	p.draw()
	if got := out.String(); got != "\rupload 1.0 KiB"+strings.Repeat(" ", 9) {
		t.Fatalf("%q", got)
	}
}

func TestProgressEndsWithApplying(t *testing.T) {
	tests := []struct {
		name  string
		total int64
		read  int // bytes read before the reader stops (the transport gave up)
		want  string
	}{
		{"known size, complete", 10, 10, "\rupload 100% 10/10 B\n" + applying + "\n"},
		{"unknown size", 0, 10, "\rupload 10 B\n" + applying + "\n"},
		{"stopped early", 10, 5, "\rupload  50%  5/10 B\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &progressReader{r: strings.NewReader(strings.Repeat("x", 10)), w: &out, total: tc.total, width: 25}
			b := make([]byte, tc.read)
			for {
				if _, err := p.Read(b); err != nil || tc.read < 10 {
					break
				}
			}
			p.finish()
			if out.String() != tc.want {
				t.Fatalf("%q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestRenderImport(t *testing.T) {
	for _, tc := range []struct {
		name  string
		st    client.ImportStatus
		width int
		want  string
	}{
		{name: "validating", st: client.ImportStatus{Phase: "validating", RowsParsed: 12345}, width: 80, want: "validating: 12345 rows checked"},
		{name: "applying with a bar", st: client.ImportStatus{Phase: "applying", RowsWritten: 45000, RowsTotal: 100000, SecondsLeft: 12}, width: 80,
			want: "applying [============>              ]  45%  45000/100000 rows, about 12 s left"},
		{name: "applying, narrow", st: client.ImportStatus{Phase: "applying", RowsWritten: 1, RowsTotal: 4, SecondsLeft: 75}, width: 40,
			want: "applying  25% 1/4 rows, about 1 min 15 "},
		{name: "applying, no total yet", st: client.ImportStatus{Phase: "applying", RowsWritten: 7}, width: 80, want: "applying: 7 rows written"},
		{name: "publishing", st: client.ImportStatus{Phase: "publishing", RowsWritten: 100000, SecondsLeft: 3}, width: 80,
			want: "publishing: 100000 rows written, about 3 s left"},
		{name: "done", st: client.ImportStatus{Phase: "done", RowsWritten: 3}, width: 80, want: "done: 3 rows written"},
		{name: "failed", st: client.ImportStatus{Phase: "failed"}, width: 80, want: "failed; nothing was imported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderImport(tc.st, tc.width)
			if got != tc.want {
				t.Errorf("renderImport = %q\n                want %q", got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > tc.width-1 {
				t.Errorf("%d columns, more than %d", n, tc.width-1)
			}
		})
	}
}
