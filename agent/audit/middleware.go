package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Middleware records every state-changing request (POST, PUT, PATCH,
// DELETE) that reached a route, once it has been answered: the principal
// (platform.PrincipalFrom), the route (r.Pattern), the object (its path
// value), the status and the error code, the request id and the query
// parameters (redacted). Mount it between the authentication and the
// route's handler, so that the principal is known and r.Pattern is set.
// Handlers add facts with Annotate and name a created object with
// SetObject.
func (l *Log) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			next.ServeHTTP(w, r)
			return
		}
		n := &note{}
		ctx := context.WithValue(r.Context(), noteKey{}, n)
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
		if r.Pattern == "" {
			return // no route: nothing changed
		}
		e := l.fromRequest(r, rec, n)
		if err := l.Record(ctx, e); err != nil {
			l.log.WarnContext(ctx, "audit: entry not stored", "action", e.Action, "request_id", e.RequestID, "err", err)
		}
	})
}

// fromRequest builds the entry of an answered request.
func (l *Log) fromRequest(r *http.Request, rec *recorder, n *note) Entry {
	p, _ := platform.PrincipalFrom(r.Context())
	action, obj, param := describe(r.Method, r.Pattern)
	if param != "" {
		obj.ID = r.PathValue(param)
	}
	if action == "import" {
		mode := r.URL.Query().Get("mode")
		if mode == "" {
			mode = "replace"
		}
		action = "import." + mode
	}
	if n.action != "" {
		action = n.action
	}
	if n.obj.Type != "" || n.obj.ID != "" {
		obj = n.obj
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	result := ResultOK
	if status >= 400 {
		result = errorCode(rec.head.Bytes(), status)
	}
	var details map[string]string
	for k, vs := range r.URL.Query() {
		if details == nil {
			details = map[string]string{}
		}
		details[k] = strings.Join(vs, ",")
	}
	for k, v := range n.details {
		if details == nil {
			details = map[string]string{}
		}
		details[k] = v
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return Entry{Actor: ActorOf(p), Remote: host, Action: action, Object: obj, Result: result,
		Status: status, RequestID: platform.RequestID(r.Context()), Details: details}
}

// describe names the action and object of a route pattern: the first
// literal segment after /api/v1 is the object type (singular), the first
// path parameter its id; a route ending in the collection or the id is
// create (POST), replace (PUT), update (PATCH) or delete (DELETE); other
// literal segments name the action: "POST /api/v1/campaigns/{id}/start"
// is campaign.start on campaign {id}. "…/contacts/import" is an import
// (import.replace or import.merge).
func describe(method, pattern string) (action string, obj Object, param string) {
	_, path, _ := strings.Cut(pattern, " ")
	if path == "" {
		path = pattern
	}
	path = strings.TrimPrefix(strings.TrimPrefix(path, "/api"), "/v1")
	var lits []string
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		switch {
		case seg == "" || seg == "{$}":
		case strings.HasPrefix(seg, "{"):
			if param == "" {
				param = strings.TrimSuffix(strings.TrimSuffix(strings.Trim(seg, "{}"), "..."), "}")
			}
		default:
			lits = append(lits, seg)
		}
	}
	if len(lits) == 0 {
		return strings.ToLower(method), obj, param
	}
	obj.Type = singular(lits[0])
	if len(lits) > 1 {
		if lits[len(lits)-1] == "import" {
			return "import", obj, param
		}
		return obj.Type + "." + strings.Join(lits[1:], "."), obj, param
	}
	verb := map[string]string{http.MethodPost: "create", http.MethodPut: "replace", http.MethodPatch: "update", http.MethodDelete: "delete"}[method]
	return obj.Type + "." + verb, obj, param
}

// singular turns a collection name into its item's ("contacts" →
// "contact", "dnc" stays).
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// errorCode reads the code of the error envelope at the start of body,
// else names the status.
func errorCode(body []byte, status int) string {
	var eb platform.ErrorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		return eb.Error.Code
	}
	return "http_" + strconv.Itoa(status)
}

// recorder keeps the status and the start of the body (for the error
// code) of a response.
type recorder struct {
	http.ResponseWriter
	status int
	head   bytes.Buffer
}

// maxHead is how much of an error body is kept to read its code.
const maxHead = 4 << 10

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && r.head.Len() < maxHead {
		r.head.Write(b[:min(len(b), maxHead-r.head.Len())])
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushes, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes a flush on (streaming handlers).
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type noteKey struct{}

// note is what a handler adds to its request's entry.
type note struct {
	action  string
	obj     Object
	details map[string]string
}

func noteFrom(ctx context.Context) *note {
	n, _ := ctx.Value(noteKey{}).(*note)
	return n
}

// Annotate adds a fact to the entry of the request ctx belongs to (a
// count, a mode). Secrets are dropped when the entry is stored. Outside
// an audited request it does nothing.
func Annotate(ctx context.Context, key, value string) {
	if n := noteFrom(ctx); n != nil {
		if n.details == nil {
			n.details = map[string]string{}
		}
		n.details[key] = value
	}
}

// SetObject names the object the request changed (the id of a contact it
// created, which the route's path does not hold).
func SetObject(ctx context.Context, typ, id string) {
	if n := noteFrom(ctx); n != nil {
		n.obj = Object{Type: typ, ID: id}
	}
}

// SetAction overrides the action named from the route.
func SetAction(ctx context.Context, action string) {
	if n := noteFrom(ctx); n != nil {
		n.action = action
	}
}
