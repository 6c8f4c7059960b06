package dialer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/api"
)

// Directory turns a directory query into leads (the daemon wires it to
// the phone book).
type Directory interface {
	Leads(ctx context.Context, query string) ([]LeadInput, error)
}

// Handler serves the dialer's admin and agent API:
//
//	GET    /api/v1/campaigns                     list
//	POST   /api/v1/campaigns                     create (CampaignConfig JSON)
//	GET    /api/v1/campaigns/{id}                config, state and figures
//	PUT    /api/v1/campaigns/{id}                replace the config
//	PATCH  /api/v1/campaigns/{id}                change some fields
//	POST   /api/v1/campaigns/{id}/start|pause|stop
//	POST   /api/v1/campaigns/{id}/leads          text/csv upload or JSON [LeadInput]
//	POST   /api/v1/campaigns/{id}/leads/directory {"query": "..."}
//	GET    /api/v1/campaigns/{id}/leads?offset=&limit=
//	GET    /api/v1/campaigns/{id}/stats
//	POST   /api/v1/dnc                           text/csv (one number a line) or {"numbers": [...]}
//	GET    /api/v1/agents, /api/v1/agents/{id}
//	POST   /api/v1/agents/{id}/login             {"campaign": "...", "endpoint": "PJSIP/1001"}
//	POST   /api/v1/agents/{id}/logout|pause|resume|next
//	POST   /api/v1/agents/{id}/disposition       {"disposition": "...", "opt_out": false}
//	GET    /api/v1/dialer/stream                 Server-Sent Events: "snapshot" events; "end" when the server stops
//
// It does no authentication: mount it behind the daemon's auth.
type Handler struct {
	d         *Dialer
	dir       Directory
	mux       *api.RouteMux
	interval  time.Duration
	maxUpload int64

	endOnce sync.Once
	end     chan struct{} // closed by EndStreams
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithDirectory enables leads from directory queries.
func WithDirectory(dir Directory) HandlerOption { return func(h *Handler) { h.dir = dir } }

// WithStreamInterval sets how often the stream sends a snapshot when
// nothing changed (default 1 s; times in state move on regardless).
func WithStreamInterval(d time.Duration) HandlerOption { return func(h *Handler) { h.interval = d } }

// NewHandler returns the HTTP API of d.
func NewHandler(d *Dialer, opts ...HandlerOption) *Handler {
	h := &Handler{d: d, mux: api.NewRouteMux(), interval: time.Second, maxUpload: 64 << 20, end: make(chan struct{})}
	for _, o := range opts {
		o(h)
	}
	m := h.mux
	m.HandleFunc("GET /api/v1/campaigns", h.listCampaigns)
	m.HandleFunc("POST /api/v1/campaigns", h.createCampaign)
	m.HandleFunc("GET /api/v1/campaigns/{id}", h.getCampaign)
	m.HandleFunc("PUT /api/v1/campaigns/{id}", h.putCampaign)
	m.HandleFunc("PATCH /api/v1/campaigns/{id}", h.patchCampaign)
	m.HandleFunc("POST /api/v1/campaigns/{id}/start", h.campaignAction(d.StartCampaign))
	m.HandleFunc("POST /api/v1/campaigns/{id}/pause", h.campaignAction(d.PauseCampaign))
	m.HandleFunc("POST /api/v1/campaigns/{id}/stop", h.campaignAction(d.StopCampaign))
	m.HandleFunc("POST /api/v1/campaigns/{id}/leads", h.uploadLeads)
	m.HandleFunc("POST /api/v1/campaigns/{id}/leads/directory", h.directoryLeads)
	m.HandleFunc("GET /api/v1/campaigns/{id}/leads", h.listLeads)
	m.HandleFunc("GET /api/v1/campaigns/{id}/stats", h.stats)
	m.HandleFunc("POST /api/v1/dnc", h.addDNC)
	m.HandleFunc("GET /api/v1/agents", h.listAgents)
	m.HandleFunc("GET /api/v1/agents/{id}", h.getAgent)
	m.HandleFunc("POST /api/v1/agents/{id}/login", h.login)
	m.HandleFunc("POST /api/v1/agents/{id}/logout", h.agentAction(d.Logout))
	m.HandleFunc("POST /api/v1/agents/{id}/resume", h.agentAction(d.Resume))
	m.HandleFunc("POST /api/v1/agents/{id}/pause", h.pause)
	m.HandleFunc("POST /api/v1/agents/{id}/next", h.next)
	m.HandleFunc("POST /api/v1/agents/{id}/disposition", h.disposition)
	m.HandleFunc("GET /api/v1/dialer/stream", h.stream)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// EndStreams ends every live stream, now and from now on, with an "end"
// event: a server that stops calls it first, because a stream never ends
// by itself and would hold a graceful shutdown for its whole timeout.
// Clients (EventSource) reconnect when the server is back.
func (h *Handler) EndStreams() { h.endOnce.Do(func() { close(h.end) }) }

// Routes lists the handler's routes ("GET /api/v1/campaigns/{id}", …) in
// registration order, so that the daemon's router can register, answer
// errors for and document each of them.
func (h *Handler) Routes() []string { return h.mux.Routes() }

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, ErrNotFound):
		status, code = http.StatusNotFound, "not_found"
	case errors.Is(err, ErrConflict):
		status, code = http.StatusConflict, "conflict"
	case errors.Is(err, ErrInvalid):
		status, code = http.StatusBadRequest, "invalid"
	}
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: err.Error()}})
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: request body: %w", ErrInvalid, err)
	}
	return nil
}

type campaignOut struct {
	Config CampaignConfig `json:"config"`
	State  CampaignState  `json:"state"`
	Stats  *CampaignView  `json:"stats,omitempty"`
}

func (h *Handler) listCampaigns(w http.ResponseWriter, r *http.Request) {
	snap := h.d.Snapshot()
	out := []campaignOut{}
	for _, v := range snap.Campaigns {
		cfg, st, err := h.d.CampaignConfigOf(v.ID)
		if err != nil {
			continue
		}
		out = append(out, campaignOut{Config: cfg, State: st})
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request) {
	var cfg CampaignConfig
	if err := decodeJSON(r, &cfg); err != nil {
		writeErr(w, err)
		return
	}
	out, err := h.d.CreateCampaign(cfg)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, campaignOut{Config: out, State: CampaignStopped})
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cfg, st, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	v, err := h.d.CampaignView(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignOut{Config: cfg, State: st, Stats: &v})
}

func (h *Handler) putCampaign(w http.ResponseWriter, r *http.Request) {
	var cfg CampaignConfig
	if err := decodeJSON(r, &cfg); err != nil {
		writeErr(w, err)
		return
	}
	h.update(w, r.PathValue("id"), cfg)
}

func (h *Handler) patchCampaign(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cfg, _, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	if err := decodeJSON(r, &cfg); err != nil {
		writeErr(w, err)
		return
	}
	h.update(w, id, cfg)
}

func (h *Handler) update(w http.ResponseWriter, id string, cfg CampaignConfig) {
	if cfg.ID != "" && cfg.ID != id {
		writeErr(w, fmt.Errorf("%w: id %q in the body differs from %q in the path", ErrInvalid, cfg.ID, id))
		return
	}
	cfg.ID = id
	out, err := h.d.UpdateCampaign(cfg)
	if err != nil {
		writeErr(w, err)
		return
	}
	_, st, _ := h.d.CampaignConfigOf(id)
	writeJSON(w, http.StatusOK, campaignOut{Config: out, State: st})
}

func (h *Handler) campaignAction(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := f(id); err != nil {
			writeErr(w, err)
			return
		}
		v, err := h.d.CampaignView(id)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (h *Handler) uploadLeads(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cfg, _, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.maxUpload)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var in []LeadInput
	switch ct {
	case "text/csv", "application/csv", "text/plain":
		in, err = ParseLeadsCSV(body, cfg.DefaultRegion)
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	case "application/json", "":
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&in); derr != nil {
			err = fmt.Errorf("%w: leads json: %w", ErrInvalid, derr)
		}
	default:
		err = fmt.Errorf("%w: content type %q: want text/csv or application/json", ErrInvalid, ct)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	h.addLeads(w, id, in)
}

func (h *Handler) addLeads(w http.ResponseWriter, id string, in []LeadInput) {
	n, err := h.d.AddLeads(id, in)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"received": len(in), "added": n})
}

func (h *Handler) directoryLeads(w http.ResponseWriter, r *http.Request) {
	if h.dir == nil {
		writeErr(w, fmt.Errorf("%w: no directory configured", ErrNotFound))
		return
	}
	var q struct {
		Query string `json:"query"`
	}
	if err := decodeJSON(r, &q); err != nil {
		writeErr(w, err)
		return
	}
	in, err := h.dir.Leads(r.Context(), q.Query)
	if err != nil {
		writeErr(w, fmt.Errorf("directory query: %w", err))
		return
	}
	h.addLeads(w, r.PathValue("id"), in)
}

func (h *Handler) listLeads(w http.ResponseWriter, r *http.Request) {
	off, err1 := intParam(r, "offset", 0)
	lim, err2 := intParam(r, "limit", 100)
	if err := errors.Join(err1, err2); err != nil {
		writeErr(w, err)
		return
	}
	leads, total, err := h.d.Leads(r.PathValue("id"), off, lim)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "offset": off, "leads": leads})
}

func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: parameter %s: %q is not a non-negative integer", ErrInvalid, name, s)
	}
	return v, nil
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request) {
	v, err := h.d.CampaignView(r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) addDNC(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, h.maxUpload)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var nums []string
	region := r.URL.Query().Get("region")
	switch ct {
	case "text/csv", "text/plain", "application/csv":
		n, err := ParseDNC(body, region)
		if err != nil {
			writeErr(w, fmt.Errorf("%w: %w", ErrInvalid, err))
			return
		}
		nums = n
	default:
		var in struct {
			Numbers []string `json:"numbers"`
		}
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeErr(w, fmt.Errorf("%w: dnc json: %w", ErrInvalid, err))
			return
		}
		for i, s := range in.Numbers {
			n, err := CanonicalNumber(s, region)
			if err != nil {
				writeErr(w, fmt.Errorf("%w: numbers[%d]: %w", ErrInvalid, i, err))
				return
			}
			nums = append(nums, n)
		}
	}
	h.d.AddDNC(nums)
	writeJSON(w, http.StatusOK, map[string]int{"added": len(nums), "listed": h.d.DNC().Len()})
}

func (h *Handler) listAgents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.d.Snapshot().Agents)
}

func (h *Handler) getAgent(w http.ResponseWriter, r *http.Request) {
	v, err := h.d.AgentView(r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) agentDone(w http.ResponseWriter, id string, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	v, err := h.d.AgentView(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Campaign string `json:"campaign"`
		Endpoint string `json:"endpoint"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	id := r.PathValue("id")
	h.agentDone(w, id, h.d.Login(id, in.Campaign, in.Endpoint))
}

func (h *Handler) agentAction(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.agentDone(w, id, f(id))
	}
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			writeErr(w, err)
			return
		}
	}
	id := r.PathValue("id")
	h.agentDone(w, id, h.d.Pause(id, in.Reason))
}

func (h *Handler) next(w http.ResponseWriter, r *http.Request) {
	l, err := h.d.NextCall(r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (h *Handler) disposition(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Disposition string `json:"disposition"`
		OptOut      bool   `json:"opt_out"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	if in.Disposition == "" && !in.OptOut {
		writeErr(w, fmt.Errorf("%w: disposition required", ErrInvalid))
		return
	}
	id := r.PathValue("id")
	h.agentDone(w, id, h.d.SetDisposition(id, in.Disposition, in.OptOut))
}

// stream sends the real-time view as Server-Sent Events: a "snapshot"
// event at once, after every change (at most every 200 ms) and at least
// every interval.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, fmt.Errorf("streaming unsupported by this connection"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	changed, cancel := h.d.Subscribe()
	defer cancel()
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	var last time.Time
	send := func() bool {
		b, err := json.Marshal(h.d.Snapshot())
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		last = time.Now()
		return true
	}
	ended := func() {
		_, _ = fmt.Fprint(w, "event: end\ndata: {}\n\n")
		fl.Flush()
	}
	select {
	case <-h.end:
		ended()
		return
	default:
	}
	if !send() {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.end:
			ended()
			return
		case <-tick.C:
		case <-changed:
			if wait := 200*time.Millisecond - time.Since(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-r.Context().Done():
					t.Stop()
					return
				case <-h.end:
					t.Stop()
					ended()
					return
				case <-t.C:
				}
			}
		}
		if !send() {
			return
		}
	}
}
