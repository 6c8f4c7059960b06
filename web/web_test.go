package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// firstLoadLimit is the cap on a page's first load, gzipped.
const firstLoadLimit = 200 << 10

var (
	htmlRef      = regexp.MustCompile(`<(?:script|link)\b[^>]*\b(?:src|href)="(/public/[^"]+)"`)
	staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\s+(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]`)
)

// firstLoad lists the files the console's first load fetches: what
// index.html names, and every module those import statically, closed
// over imports. A static import of a missing file fails the test.
func firstLoad(t *testing.T) []string {
	t.Helper()
	pub := Public()
	index, err := fs.ReadFile(pub, "console/index.html")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{"console/index.html": true}
	order := []string{"console/index.html"}
	var queue []string
	for _, m := range htmlRef.FindAllStringSubmatch(string(index), -1) {
		queue = append(queue, strings.TrimPrefix(m[1], "/public/"))
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		order = append(order, p)
		b, err := fs.ReadFile(pub, p)
		if err != nil {
			t.Fatalf("the first load fetches %s: %v", p, err)
		}
		if !strings.HasSuffix(p, ".js") {
			continue
		}
		for _, m := range staticImport.FindAllStringSubmatch(string(b), -1) {
			ref := m[1]
			switch {
			case strings.HasPrefix(ref, "/public/"):
				ref = strings.TrimPrefix(ref, "/public/")
			case strings.HasPrefix(ref, "./"), strings.HasPrefix(ref, "../"):
				ref = path.Join(path.Dir(p), ref)
			default:
				t.Fatalf("%s imports %q: only /public/ and relative paths are served", p, ref)
			}
			queue = append(queue, ref)
		}
	}
	return order
}

func TestFirstLoadSize(t *testing.T) {
	files := firstLoad(t)
	total := 0
	for _, p := range files {
		b, _ := fs.ReadFile(Public(), p)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		total += buf.Len()
	}
	t.Logf("first load: %d files, %d bytes gzipped", len(files), total)
	if len(files) < 5 {
		t.Fatalf("the first load found only %v: is the import scan broken?", files)
	}
	for _, want := range []string{"console/app.js", "pbxagent.js", "console/style.css", "console/strings/en.js", "console/pages/index.js"} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("the first load does not fetch %s: %v", want, files)
		}
	}
	if total > firstLoadLimit {
		t.Errorf("the console's first load is %d bytes gzipped, over the %d limit", total, firstLoadLimit)
	}
}

func TestPublicHasClient(t *testing.T) {
	for _, p := range []string{"pbxagent.js", "pbxagent.d.ts", "console/index.html"} {
		if _, err := fs.Stat(Public(), p); err != nil {
			t.Errorf("web/public/%s: %v", p, err)
		}
	}
}
