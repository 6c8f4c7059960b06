package dialer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
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
//	DELETE /api/v1/campaigns/{id}                409 while it runs, has calls or agents
//	DELETE /api/v1/campaigns/{id}/leads[/{lead}] all leads, or one
//	GET    /api/v1/campaigns/{id}/stats
//	POST   /api/v1/dnc                           text/csv (one number a line) or {"numbers": [...]}
//	GET    /api/v1/dnc?q=&offset=&limit=
//	DELETE /api/v1/dnc/{number}[?region=]
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
	mux       *http.ServeMux
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
	h := &Handler{d: d, interval: time.Second, maxUpload: 64 << 20, end: make(chan struct{})}
	for _, o := range opts {
		o(h)
	}
	h.mux = http.NewServeMux()
	for _, rt := range h.Routes() {
		h.mux.Handle(rt.Pattern(), rt.Handler)
	}
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// EndStreams ends every live stream, now and from now on, with an "end"
// event: a server that stops calls it first, because a stream never ends
// by itself and would hold a graceful shutdown for its whole timeout.
// Clients (EventSource) reconnect when the server is back.
func (h *Handler) EndStreams() { h.endOnce.Do(func() { close(h.end) }) }

func writeJSON(w http.ResponseWriter, status int, v any) { platform.WriteJSON(w, status, v) }

// writeErr answers err in the error envelope: ErrNotFound 404,
// ErrConflict 409, ErrInvalid 400 (with the message, which names what is
// wrong); anything else a 500 naming only the request id.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *platform.APIError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, ErrNotFound):
		err = &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: err.Error()}
	case errors.Is(err, ErrConflict):
		err = &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict, Message: err.Error()}
	case errors.Is(err, ErrInvalid):
		err = &platform.APIError{Status: http.StatusBadRequest, Code: platform.CodeInvalid, Message: err.Error()}
	}
	platform.WriteErr(w, r, err)
}

// decodeJSON reads a body of at most 1 MiB (413 beyond) into v, with
// errors in the API's terms.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	return platform.DecodeJSON(r, v)
}

type campaignOut struct {
	Config CampaignConfig `json:"config" doc:"The campaign's settings"`
	State  CampaignState  `json:"state" openapi:"enum=stopped|running|paused" doc:"stopped, running or paused" example:"running"`
	Stats  *CampaignView  `json:"stats,omitempty" doc:"The campaign's live figures (once started)"`
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
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var cfg CampaignConfig
	if err := decodeJSON(w, r, &cfg); err != nil {
		writeErr(w, r, err)
		return
	}
	out, err := h.d.CreateCampaign(cfg)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, campaignOut{Config: out, State: CampaignStopped})
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cfg, st, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	v, err := h.d.CampaignView(id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, campaignOut{Config: cfg, State: st, Stats: &v})
}

func (h *Handler) putCampaign(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var cfg CampaignConfig
	if err := decodeJSON(w, r, &cfg); err != nil {
		writeErr(w, r, err)
		return
	}
	h.update(w, r, r.PathValue("id"), cfg)
}

func (h *Handler) patchCampaign(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/merge-patch+json", "application/json") {
		return
	}
	id := r.PathValue("id")
	cfg, _, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	if err := decodeJSON(w, r, &cfg); err != nil {
		writeErr(w, r, err)
		return
	}
	h.update(w, r, id, cfg)
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, id string, cfg CampaignConfig) {
	if cfg.ID != "" && cfg.ID != id {
		writeErr(w, r, fmt.Errorf("%w: id %q in the body differs from %q in the path", ErrInvalid, cfg.ID, id))
		return
	}
	cfg.ID = id
	out, err := h.d.UpdateCampaign(cfg)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	_, st, _ := h.d.CampaignConfigOf(id)
	writeJSON(w, http.StatusOK, campaignOut{Config: out, State: st})
}

func (h *Handler) campaignAction(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := f(id); err != nil {
			writeErr(w, r, err)
			return
		}
		v, err := h.d.CampaignView(id)
		if err != nil {
			writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (h *Handler) uploadLeads(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cfg, _, err := h.d.CampaignConfigOf(id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.maxUpload)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var in []LeadInput
	switch ct {
	case "text/csv", "application/csv", "text/plain":
		in, err = ParseLeadsCSV(body, h.d.Region(cfg.DefaultRegion))
		var bad *LeadsCSVError
		switch {
		case errors.As(err, &bad):
			details := make([]platform.FieldError, 0, len(bad.Rows)+1)
			for _, row := range bad.Rows {
				details = append(details, platform.FieldError{Field: row.where(), Message: row.Message})
			}
			if more := bad.Total - len(bad.Rows); more > 0 {
				details = append(details, platform.FieldError{Message: fmt.Sprintf("%d more bad rows not listed", more)})
			}
			err = platform.Invalid(bad.Error(), details...)
		case err != nil:
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	case "application/json":
		r.Body = body
		err = platform.DecodeJSON(r, &in)
	default:
		platform.RequireContentType(w, r, "text/csv", "application/json") // 415
		return
	}
	if err != nil {
		writeErr(w, r, err)
		return
	}
	h.addLeads(w, r, id, in)
}

func (h *Handler) addLeads(w http.ResponseWriter, r *http.Request, id string, in []LeadInput) {
	n, skipped, err := h.d.addLeads(id, in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	out := leadsAdded{Received: len(in), Added: n}
	for _, i := range skipped[:min(len(skipped), MaxRowErrors)] {
		out.Skipped = append(out.Skipped, leadSkipped{Line: in[i].line, Index: i + 1, Number: in[i].Number, Reason: "already in the campaign"})
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	if err := h.d.DeleteCampaign(r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) deleteLeads(w http.ResponseWriter, r *http.Request) {
	n, err := h.d.DeleteLeads(r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, leadsDeleted{Deleted: n})
}

func (h *Handler) deleteLead(w http.ResponseWriter, r *http.Request) {
	if err := h.d.DeleteLead(r.PathValue("id"), r.PathValue("lead")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) listDNC(w http.ResponseWriter, r *http.Request) {
	off, err1 := intParam(r, "offset", 0)
	lim, err2 := intParam(r, "limit", 100)
	if err := errors.Join(err1, err2); err != nil {
		writeErr(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	digits := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, q)
	if q != "" && digits == "" {
		writeErr(w, r, fmt.Errorf("%w: parameter q: %q has no digits", ErrInvalid, q))
		return
	}
	all := h.d.DNC().List(digits)
	page := all[min(off, len(all)):]
	if lim > 0 && lim < len(page) {
		page = page[:lim]
	}
	writeJSON(w, http.StatusOK, dncPage{Total: len(all), Offset: off, Numbers: page})
}

func (h *Handler) removeDNC(w http.ResponseWriter, r *http.Request) {
	n, err := CanonicalNumber(r.PathValue("number"), h.d.Region(r.URL.Query().Get("region")))
	if err != nil {
		writeErr(w, r, fmt.Errorf("%w: path number: %w", ErrInvalid, err))
		return
	}
	if err := h.d.RemoveDNC(n); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) directoryLeads(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	if h.dir == nil {
		writeErr(w, r, fmt.Errorf("%w: no directory configured", ErrNotFound))
		return
	}
	var q directoryQuery
	if err := decodeJSON(w, r, &q); err != nil {
		writeErr(w, r, err)
		return
	}
	in, err := h.dir.Leads(r.Context(), q.Query)
	if err != nil {
		writeErr(w, r, fmt.Errorf("directory query: %w", err))
		return
	}
	h.addLeads(w, r, r.PathValue("id"), in)
}

func (h *Handler) listLeads(w http.ResponseWriter, r *http.Request) {
	off, err1 := intParam(r, "offset", 0)
	lim, err2 := intParam(r, "limit", 100)
	if err := errors.Join(err1, err2); err != nil {
		writeErr(w, r, err)
		return
	}
	leads, total, err := h.d.Leads(r.PathValue("id"), off, lim)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, leadPage{Total: total, Offset: off, Leads: leads})
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
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) addDNC(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, h.maxUpload)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var nums []string
	region := h.d.Region(r.URL.Query().Get("region"))
	switch ct {
	case "text/csv", "text/plain", "application/csv":
		n, err := ParseDNC(body, region)
		if err != nil {
			writeErr(w, r, fmt.Errorf("%w: %w", ErrInvalid, err))
			return
		}
		nums = n
	case "application/json":
		var in dncInput
		r.Body = body
		if err := platform.DecodeJSON(r, &in); err != nil {
			writeErr(w, r, err)
			return
		}
		for i, s := range in.Numbers {
			n, err := CanonicalNumber(s, region)
			if err != nil {
				writeErr(w, r, fmt.Errorf("%w: numbers[%d]: %w", ErrInvalid, i, err))
				return
			}
			nums = append(nums, n)
		}
	default:
		platform.RequireContentType(w, r, "text/csv", "application/json") // 415
		return
	}
	h.d.AddDNC(nums)
	writeJSON(w, http.StatusOK, dncAdded{Added: len(nums), Listed: h.d.DNC().Len()})
}

func (h *Handler) listAgents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.d.Snapshot().Agents)
}

func (h *Handler) getAgent(w http.ResponseWriter, r *http.Request) {
	v, err := h.d.AgentView(r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) agentDone(w http.ResponseWriter, r *http.Request, id string, err error) {
	if err != nil {
		writeErr(w, r, err)
		return
	}
	v, err := h.d.AgentView(id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in loginInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	id := r.PathValue("id")
	h.agentDone(w, r, id, h.d.Login(id, in.Campaign, in.Endpoint))
}

func (h *Handler) agentAction(f func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.agentDone(w, r, id, f(id))
	}
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request) {
	var in pauseInput
	if r.ContentLength != 0 {
		if !platform.RequireContentType(w, r, "application/json") {
			return
		}
		if err := decodeJSON(w, r, &in); err != nil {
			writeErr(w, r, err)
			return
		}
	}
	id := r.PathValue("id")
	h.agentDone(w, r, id, h.d.Pause(id, in.Reason))
}

func (h *Handler) next(w http.ResponseWriter, r *http.Request) {
	l, err := h.d.NextCall(r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (h *Handler) disposition(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in dispositionInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	if in.Disposition == "" && !in.OptOut {
		writeErr(w, r, fmt.Errorf("%w: disposition required", ErrInvalid))
		return
	}
	id := r.PathValue("id")
	h.agentDone(w, r, id, h.d.SetDisposition(id, in.Disposition, in.OptOut))
}

// stream sends the real-time view as Server-Sent Events: a "snapshot"
// event at once, after every change (at most every 200 ms) and at least
// every interval.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, r, fmt.Errorf("streaming unsupported by this connection"))
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
