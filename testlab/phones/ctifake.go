package phones

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// CTIFake is a desk phone's HTTP control interface, for one vendor: it
// checks each command's exact form (method, path, query or form field,
// credentials, Cisco's CiscoIPPhoneExecute XML) and records the keys
// pressed. A request in the wrong form gets 400 and is recorded in
// Mistakes, never as a key. Vendors and forms as docs/phones.md ("Remote
// control (CTI)") describes them:
//
//   - yealink: GET /servlet?key=K, HTTP Basic;
//   - fanvil: GET /cgi-bin/ConfigManApp.com?key=K, HTTP Basic;
//   - snom: GET /command.htm?key=K | key_dtmf=D | number=N, HTTP Basic;
//   - cisco: POST /CGI/Execute, form field XML=<CiscoIPPhoneExecute>,
//     HTTP Basic; answers CiscoIPPhoneResponse, or CiscoIPPhoneError
//     Number 4 for wrong credentials;
//   - grandstream: GET /cgi-bin/api-phone_operation?passcode=P&cmd=C;
//     answers {"response":"success"|"error",…}.
type CTIFake struct {
	vendor, user, pass string

	mu       sync.Mutex
	pressed  []string
	mistakes []string
	reject   bool
	realm    string // Digest instead of Basic when set
	nonce    string
}

// SetDigest makes the phone ask for HTTP Digest (MD5, qop=auth) in realm
// instead of Basic (Yealink, Fanvil, Snom, Cisco forms).
func (f *CTIFake) SetDigest(realm string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.realm, f.nonce = realm, fmt.Sprintf("%x", md5.Sum([]byte(realm+"nonce")))
}

// NewCTIFake returns the fake of vendor accepting user and pass (for
// Grandstream pass is the passcode and user is ignored).
func NewCTIFake(vendor, user, pass string) *CTIFake {
	return &CTIFake{vendor: vendor, user: user, pass: pass}
}

// Pressed returns the keys pressed so far: the key value (Yealink, Fanvil,
// Snom key=), "dtmf:D" and "dial:N" (Snom), the ExecuteItem URL (Cisco),
// the cmd (Grandstream).
func (f *CTIFake) Pressed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.pressed...)
}

// Mistakes returns what was wrong with the requests refused with 400.
func (f *CTIFake) Mistakes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.mistakes...)
}

// SetReject makes the phone say no to every well-formed command from now
// on, in its vendor's way (HTTP 500, Cisco status 1, Grandstream "error").
func (f *CTIFake) SetReject(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject = on
}

func (f *CTIFake) mistake(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.mu.Lock()
	f.mistakes = append(f.mistakes, msg)
	f.mu.Unlock()
	http.Error(w, msg, http.StatusBadRequest)
}

// press records k; it reports whether the phone rejects commands.
func (f *CTIFake) press(k string) (rejected bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reject {
		return true
	}
	f.pressed = append(f.pressed, k)
	return false
}

// authOK checks Basic, or Digest when set; on failure it sets the
// challenge (Digest) on w.
func (f *CTIFake) authOK(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	realm, nonce := f.realm, f.nonce
	f.mu.Unlock()
	if realm == "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != f.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="phone"`)
			return false
		}
		return true
	}
	w.Header().Set("WWW-Authenticate", `Digest realm="`+realm+`", nonce="`+nonce+`", qop="auth"`)
	p := digestParams(r.Header.Get("Authorization"))
	if p == nil || p["username"] != f.user || p["nonce"] != nonce || p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" {
		return false
	}
	h := func(s string) string { b := md5.Sum([]byte(s)); return hex.EncodeToString(b[:]) }
	want := h(h(f.user+":"+realm+":"+f.pass) + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + h(r.Method+":"+r.URL.RequestURI()))
	return p["response"] == want
}

// digestParams splits a Digest Authorization header (nil for another
// scheme).
func digestParams(h string) map[string]string {
	rest, ok := strings.CutPrefix(h, "Digest ")
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

func (f *CTIFake) digest() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.realm != ""
}

// ServeHTTP implements http.Handler.
func (f *CTIFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.vendor {
	case "yealink":
		f.keyGET(w, r, "/servlet", []string{"key"})
	case "fanvil":
		f.keyGET(w, r, "/cgi-bin/ConfigManApp.com", []string{"key"})
	case "snom":
		f.keyGET(w, r, "/command.htm", []string{"key", "key_dtmf", "number"})
	case "cisco":
		f.cisco(w, r)
	case "grandstream":
		f.grandstream(w, r)
	default:
		http.NotFound(w, r)
	}
}

// keyGET checks GET path with exactly one of the names in the query.
func (f *CTIFake) keyGET(w http.ResponseWriter, r *http.Request, path string, names []string) {
	if r.Method != http.MethodGet || r.URL.Path != path {
		f.mistake(w, "%s %s: want GET %s", r.Method, r.URL.Path, path)
		return
	}
	if !f.authOK(w, r) {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q) != 1 {
		f.mistake(w, "query %q: want exactly one of %v", r.URL.RawQuery, names)
		return
	}
	for _, n := range names {
		if vs, ok := q[n]; ok && len(vs) == 1 && vs[0] != "" {
			k := vs[0]
			switch n {
			case "key_dtmf":
				k = "dtmf:" + k
			case "number":
				k = "dial:" + k
			}
			if f.press(k) {
				http.Error(w, "busy", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>OK</body></html>")
			return
		}
	}
	f.mistake(w, "query %q: want exactly one of %v", r.URL.RawQuery, names)
}

func (f *CTIFake) cisco(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/CGI/Execute" {
		f.mistake(w, "%s %s: want POST /CGI/Execute", r.Method, r.URL.Path)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.mistake(w, "content type %q: want application/x-www-form-urlencoded", ct)
		return
	}
	if f.digest() {
		if !f.authOK(w, r) { // MPP: Digest with the XML credentials
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	if !f.digest() && !f.authOK(w, r) {
		w.Header().Del("WWW-Authenticate")
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><CiscoIPPhoneError Number="4" />`)
		return
	}
	if err := r.ParseForm(); err != nil || len(r.PostForm) != 1 || len(r.PostForm["XML"]) != 1 {
		f.mistake(w, "form %q: want the one field XML", r.PostForm.Encode())
		return
	}
	var ex struct {
		XMLName xml.Name `xml:"CiscoIPPhoneExecute"`
		Items   []struct {
			URL      string `xml:"URL,attr"`
			Priority string `xml:"Priority,attr"`
		} `xml:"ExecuteItem"`
	}
	if err := xml.Unmarshal([]byte(r.PostForm.Get("XML")), &ex); err != nil || len(ex.Items) == 0 || len(ex.Items) > 3 {
		fmt.Fprint(w, `<CiscoIPPhoneError Number="1" />`)
		f.mu.Lock()
		f.mistakes = append(f.mistakes, fmt.Sprintf("XML %q: not a CiscoIPPhoneExecute of 1-3 items", r.PostForm.Get("XML")))
		f.mu.Unlock()
		return
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><CiscoIPPhoneResponse>`)
	for _, it := range ex.Items {
		status, data := 0, "Success"
		if !validCiscoURI(it.URL) {
			status, data = 6, "URI not found"
		} else if f.press(it.URL) {
			status, data = 1, "Failure"
		}
		fmt.Fprintf(&b, `<ResponseItem URL="%s" Data="%s" Status="%d" />`, xmlAttr(it.URL), data, status)
	}
	b.WriteString("</CiscoIPPhoneResponse>")
	fmt.Fprint(w, b.String())
}

// validCiscoURI accepts the URI forms the drivers use: Key:<name>,
// Dial:<digits>, SendDigits:<digits>:<0|1>.
func validCiscoURI(u string) bool {
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789*#") == "" }
	switch {
	case strings.HasPrefix(u, "Key:"):
		return len(u) > 4
	case strings.HasPrefix(u, "Dial:"):
		return digits(u[5:])
	case strings.HasPrefix(u, "SendDigits:"):
		d, fb, ok := strings.Cut(u[11:], ":")
		return ok && digits(d) && (fb == "0" || fb == "1")
	}
	return false
}

func xmlAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (f *CTIFake) grandstream(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/cgi-bin/api-phone_operation" {
		f.mistake(w, "%s %s: want GET /cgi-bin/api-phone_operation", r.Method, r.URL.Path)
		return
	}
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	if q.Get("passcode") != f.pass {
		fmt.Fprint(w, `{"response":"error", "body": "unauthorized"}`)
		return
	}
	switch cmd := q.Get("cmd"); cmd {
	case "acceptcall", "endcall", "holdcall", "rejectcall", "cancel":
		if f.press(cmd) {
			fmt.Fprint(w, `{"response":"error", "body": false}`)
			return
		}
		fmt.Fprint(w, `{"response":"success", "body": true}`)
	default:
		f.mistake(w, "cmd %q: not a phone operation", cmd)
	}
}
