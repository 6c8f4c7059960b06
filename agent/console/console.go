package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// IndexFile is the console's page, answered at /.
const IndexFile = "console/index.html"

// CSP is the Content-Security-Policy of the console's page: scripts,
// styles and API calls from the daemon itself only, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Console serves a tree of static files (web.Public()).
type Console struct {
	files map[string]*file
}

// file is one served file, read and compressed at start.
type file struct {
	ctype string
	etag  string
	plain []byte
	gz    []byte // nil when compressing does not pay
}

// New reads every file of fsys; it fails when fsys has no IndexFile.
func New(fsys fs.FS) (*Console, error) {
	c := &Console{files: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		f, err := newFile(p, b)
		if err != nil {
			return err
		}
		c.files[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console files: %w", err)
	}
	if c.files[IndexFile] == nil {
		return nil, fmt.Errorf("console files: no %s", IndexFile)
	}
	return c, nil
}

// contentTypes are the types of the files the console holds; a file of
// another extension is served as application/octet-stream.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".ts":   "application/typescript; charset=utf-8", // pbxagent.d.ts: TypeScript tools (deno) read it as such
	".csv":  "text/csv; charset=utf-8",
}

// ContentType is the Content-Type a file named name is served with.
func ContentType(name string) string {
	if t, ok := contentTypes[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

func newFile(name string, b []byte) (*file, error) {
	sum := sha256.Sum256(b)
	f := &file{ctype: ContentType(name), plain: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	if strings.HasPrefix(f.ctype, "image/png") || len(b) < 256 {
		return f, nil
	}
	gz, err := Gzip(b)
	if err != nil {
		return nil, fmt.Errorf("gzip %s: %w", name, err)
	}
	if len(gz) < len(b)*9/10 {
		f.gz = gz
	}
	return f, nil
}

// Gzip compresses b at the level the console's files are served with.
func Gzip(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Name implements platform.Component.
func (*Console) Name() string { return "console" }

// Routes implements platform.Router.
func (c *Console) Routes() []platform.Route {
	html := func(desc string) map[int]platform.Body {
		return map[int]platform.Body{200: {ContentType: "text/html", Description: desc, Example: "<!doctype html>\n<html lang=\"en\">…</html>\n"},
			304: {Description: "not modified (If-None-Match)"}}
	}
	return []platform.Route{
		{Method: "GET", Path: "/{$}", Scope: platform.ScopePublic, Handler: http.HandlerFunc(c.index),
			Op: platform.Operation{ID: "getConsole", Summary: "The web console's page (it signs in with POST /api/v1/login)",
				Responses: html("the console")}},
		{Method: "GET", Path: "/public/{file...}", Scope: platform.ScopePublic, Handler: http.HandlerFunc(c.public),
			Op: platform.Operation{ID: "getPublicFile", Summary: "The console's scripts and styles, and the JavaScript client (/public/pbxagent.js, /public/pbxagent.d.ts)",
				Params: []platform.Param{{Name: "file", In: "path", Required: true, Description: "path under /public/, e.g. pbxagent.js", Example: "pbxagent.js"}},
				Responses: map[int]platform.Body{200: {ContentType: "text/javascript", Description: "the file (its Content-Type by its extension)", Example: "export class PbxAgent { … }\n"},
					304: {Description: "not modified (If-None-Match)"}, 404: {ContentType: "application/json", Description: "no such file", Schema: platform.ErrorBody{}}}}},
	}
}

func (c *Console) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", CSP)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	c.serve(w, r, c.files[IndexFile])
}

func (c *Console) public(w http.ResponseWriter, r *http.Request) {
	f := c.files[r.PathValue("file")]
	if f == nil {
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no file /public/"+r.PathValue("file"), nil)
		return
	}
	c.serve(w, r, f)
}

func (c *Console) serve(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", f.etag)
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
	}
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.plain
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// etagMatch reports whether an If-None-Match header names etag (or is *);
// weak validators match too (RFC 9110 §13.1.2: weak comparison).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip
// (named with a q above 0, or * when gzip is not named).
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		zero := false
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				v = strings.TrimRight(strings.TrimSpace(v), "0")
				zero = v == "" || v == "." || v == "0" || v == "0."
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			return !zero
		case "*":
			star = !zero
		}
	}
	return star
}
