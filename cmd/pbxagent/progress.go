package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/client"
)

// defaultWidth is assumed when the terminal's width is unknown.
const defaultWidth = 80

// renderProgress draws one line of an upload's progress that fits in width
// columns (less one, so the cursor never wraps):
//
//	upload [==========>         ]  52% 1.3/2.5 MiB
//
// With an unknown total (≤ 0) it shows the bytes sent only; on a narrow
// terminal it drops the bar, then truncates.
func renderProgress(done, total int64, width int) string {
	if width <= 0 {
		width = defaultWidth
	}
	max := width - 1
	var line string
	if total <= 0 {
		line = "upload " + formatBytes(done)
	} else {
		if done > total {
			done = total
		}
		if done < 0 {
			done = 0
		}
		pct := int(done * 100 / total)
		suffix := fmt.Sprintf(" %3d%% %s", pct, formatPair(done, total))
		if s, ok := progressBar("upload", suffix, max, done, total); ok {
			return s
		}
		line = "upload" + suffix
	}
	if utf8.RuneCountInString(line) > max {
		r := []rune(line)
		if max < 0 {
			max = 0
		}
		line = string(r[:max])
	}
	return line
}

var units = []string{"B", "KiB", "MiB", "GiB", "TiB"}

// scale picks the unit for n: its index and divisor.
func scale(n int64) (int, float64) {
	i, d := 0, 1.0
	for float64(n) >= 1024*d && i < len(units)-1 {
		i++
		d *= 1024
	}
	return i, d
}

// formatBytes writes n as "812 B", "3.4 KiB", "1.2 MiB"…
func formatBytes(n int64) string {
	i, d := scale(n)
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", float64(n)/d, units[i])
}

// formatPair writes done/total in total's unit, done padded to the width
// of total so the line keeps its length: "  1.3/12.5 MiB".
func formatPair(done, total int64) string {
	i, d := scale(total)
	if i == 0 {
		t := fmt.Sprintf("%d", total)
		return fmt.Sprintf("%*d/%s B", len(t), done, t)
	}
	t := fmt.Sprintf("%.1f", float64(total)/d)
	return fmt.Sprintf("%*.1f/%s %s", len(t), float64(done)/d, t, units[i])
}

// renderImport draws one line of an import's progress after the upload,
// from the daemon's status, fitting in width columns (less one):
//
//	validating: 12345 rows checked
//	applying [=====>        ]  45% 45000/100000 rows, about 12 s left
//	publishing: 100000 rows written, about 3 s left
func renderImport(st client.ImportStatus, width int) string {
	if width <= 0 {
		width = defaultWidth
	}
	max := width - 1
	left := ""
	if st.SecondsLeft > 0 {
		left = fmt.Sprintf(", about %s left", formatSeconds(st.SecondsLeft))
	}
	var line string
	switch st.Phase {
	case "receiving":
		line = "receiving: " + formatBytes(st.BytesReceived)
	case "validating":
		line = fmt.Sprintf("validating: %d rows checked", st.RowsParsed)
	case "applying":
		if st.RowsTotal <= 0 {
			line = fmt.Sprintf("applying: %d rows written%s", st.RowsWritten, left)
			break
		}
		done := min(max64(st.RowsWritten, 0), st.RowsTotal)
		t := fmt.Sprint(st.RowsTotal)
		suffix := fmt.Sprintf(" %3d%% %*d/%s rows%s", done*100/st.RowsTotal, len(t), done, t, left)
		if s, ok := progressBar("applying", suffix, max, done, st.RowsTotal); ok {
			return s
		}
		line = "applying" + suffix
	case "publishing":
		line = fmt.Sprintf("publishing: %d rows written%s", st.RowsWritten, left)
	case "done":
		line = fmt.Sprintf("done: %d rows written", st.RowsWritten)
	case "failed":
		line = "failed; nothing was imported"
	default:
		line = applying
	}
	if utf8.RuneCountInString(line) > max {
		r := []rune(line)
		line = string(r[:maxInt(max, 0)])
	}
	return line
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// formatSeconds writes a duration in seconds as "42 s", "3 min 5 s".
func formatSeconds(s int64) string {
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}

// progressReader counts the bytes read through it and redraws the
// progress line on w when the drawing changes; once the body is sent,
// status redraws it with the import's progress on the daemon. Read and
// status may run in different goroutines.
type progressReader struct {
	r     io.Reader
	w     io.Writer
	total int64
	width int
	mu    sync.Mutex // guards what follows and writes to w
	done  int64
	last  string
	sent  bool // the whole body went out
}

// status draws the import's progress on the daemon once the upload is
// done (before, the upload's own bar is drawn).
func (p *progressReader) status(st client.ImportStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.sent && st.Phase == "receiving" {
		return
	}
	if !p.sent {
		p.sent = true
		fmt.Fprint(p.w, "\n")
		p.last = ""
	}
	p.drawLine(renderImport(st, p.width))
}

// applying is shown once the whole file is uploaded, while the daemon
// checks and applies it.
const applying = "uploaded; the daemon is checking and applying the file…"

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	if p.sent {
		return n, err
	}
	p.draw()
	if err == io.EOF || (p.total > 0 && p.done >= p.total) {
		p.sent = true
		fmt.Fprint(p.w, "\n", applying)
		p.last = applying
	}
	return n, err
}

func (p *progressReader) draw() { p.drawLine(renderProgress(p.done, p.total, p.width)) }

// drawLine replaces the current line with line.
func (p *progressReader) drawLine(line string) {
	if line == p.last {
		return
	}
	pad := utf8.RuneCountInString(p.last) - utf8.RuneCountInString(line)
	p.last = line
	fmt.Fprint(p.w, "\r", line)
	if pad > 0 {
		fmt.Fprint(p.w, strings.Repeat(" ", pad))
	}
}

// finish ends the progress output with a newline (the upload may have
// stopped early: an error answer, an interrupt).
func (p *progressReader) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.sent {
		p.draw()
	}
	fmt.Fprintln(p.w)
}

// progressBar is "<label> [===>   ]<suffix>" in max columns, the bar
// filled done/total (0 <= done <= total, total > 0); ok is false when the
// bar would be narrower than 10 columns.
func progressBar(label, suffix string, max int, done, total int64) (line string, ok bool) {
	prefix := label + " ["
	bar := max - len(prefix) - 1 - utf8.RuneCountInString(suffix)
	if bar < 10 {
		return "", false
	}
	fill := int(int64(bar) * done / total)
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString(strings.Repeat("=", fill))
	if fill < bar {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", bar-fill-1))
	}
	b.WriteByte(']')
	b.WriteString(suffix)
	return b.String(), true
}
