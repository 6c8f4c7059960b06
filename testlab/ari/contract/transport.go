package contract

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/testlab/ari/spec"
)

// CheckingTransport checks every ARI request it carries, and every 2xx
// reply, against the specification and records the problems.
type CheckingTransport struct {
	Base http.RoundTripper
	Spec *spec.Spec

	mu       sync.Mutex
	problems []spec.Problem
	seen     map[string]int // "resource.nickname" -> count
}

// RoundTrip implements http.RoundTripper.
func (t *CheckingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	i := strings.Index(r.URL.Path, "/ari/")
	if i < 0 {
		return t.Base.RoundTrip(r)
	}
	path := r.URL.Path[i+4:]
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	probs := t.Spec.CheckRequest(r.Method, path, r.URL.Query(), body)
	op, _, found := t.Spec.Match(r.Method, path)
	resp, err := t.Base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	if found && resp.StatusCode/100 == 2 && op.Upgrade == "" {
		rb, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		if rerr == nil {
			probs = append(probs, t.Spec.CheckResponse(op, rb)...)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.problems = append(t.problems, probs...)
	if found {
		if t.seen == nil {
			t.seen = map[string]int{}
		}
		t.seen[op.Resource+"."+op.Nickname]++
	}
	return resp, nil
}

// Problems returns what departed from the specification so far.
func (t *CheckingTransport) Problems() []spec.Problem {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]spec.Problem(nil), t.problems...)
}

// Operations returns how often each operation was called.
func (t *CheckingTransport) Operations() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.seen))
	for k, v := range t.seen {
		out[k] = v
	}
	return out
}
