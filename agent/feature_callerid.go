package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/cidapp"
	"github.com/pbxagent/pbxagent/agent/platform"
	pbxsip "github.com/pbxagent/pbxagent/sip"
)

// callerID is the caller-ID front ends sharing one service: the /cid
// routes (public to the HTTP layer: they check their own token and
// allow-list), the FastAGI listener and the SIP redirect server.
type callerID struct {
	svc     *callerid.Service
	agiAddr string
	sipAddr string
	sip     *pbxsip.RedirectServer
	tester  *callerid.Tester

	agiLn net.Listener
	sipPC net.PacketConn
	sipLn net.Listener
}

func newCallerID(b *build) (platform.Component, error) {
	cfg := b.cfg
	allow, err := prefixes(cfg.CallerID.Allow)
	if err != nil {
		return nil, fmt.Errorf("config callerid.allow: %w", err)
	}
	policy, err := callerid.ParseOverwritePolicy(cfg.CallerID.Overwrite)
	if err != nil {
		return nil, fmt.Errorf("config callerid.overwrite: %w", err)
	}
	opts := []callerid.Option{
		callerid.WithRegisterer(b.reg), callerid.WithLogger(b.logger("callerid")),
		callerid.WithTimeout(cfg.CallerID.Deadline), callerid.WithHTTPAllow(allow...),
		callerid.WithOverwritePolicy(policy), callerid.WithSIPCNAM(cfg.SIP.CNAM),
		callerid.WithMaxAGISessions(cfg.AGI.MaxSessions), callerid.WithMaxAGIWaiting(cfg.AGI.MaxWaiting),
		callerid.WithAGIFirstLineTimeout(cfg.AGI.FirstLineTimeout),
	}
	if cfg.CallerID.Token != "" {
		opts = append(opts, callerid.WithHTTPToken(cfg.CallerID.Token))
	}
	c := &callerID{agiAddr: cfg.AGI.Addr, sipAddr: cfg.SIP.Addr}
	if c.svc, err = callerid.New(b.store, opts...); err != nil {
		return nil, err
	}
	if cfg.SIP.Addr != "" {
		miss := pbxsip.MissNotFound
		if cfg.SIP.MissStatus == 302 {
			miss = pbxsip.MissRedirect
		}
		if c.sip, err = newSIPServer(cfg.SIP, c.svc.SIPResolver(), miss, min(cfg.CallerID.Deadline, 150*time.Millisecond),
			b.logger("sip")); err != nil {
			return nil, err
		}
		registerSIPMetrics(b.reg, c.sip)
	}
	tc := callerid.TesterConfig{AGIAddr: cfg.AGI.Addr, Candidates: func(ctx context.Context, number string, limit int) ([]callerid.Candidate, error) {
		_, cs, _, err := b.store.LookupCandidates(ctx, number, limit)
		out := make([]callerid.Candidate, len(cs))
		for i, ct := range cs {
			out[i] = callerid.Candidate{ID: ct.ContactID, DisplayName: ct.Name, Source: ct.Source}
		}
		return out, err
	}}
	if c.sip != nil {
		tc.SIP = c.sip
	}
	c.tester = c.svc.NewTester(tc)
	b.d.cid = c
	return c, nil
}

// Name implements platform.Component.
func (*callerID) Name() string { return "callerid" }

// Routes implements platform.Router.
func (c *callerID) Routes() []platform.Route {
	h := c.svc.HTTPHandler()
	text := map[int]platform.Body{
		200: {ContentType: "text/plain", Description: "the caller's name, or nothing on a miss; format=hash: name, match and source as HASH() fields; " +
			"the match kind is also in the X-Pbxagent-Match header", Example: "Jürgen Müller"},
		400: {ContentType: "text/plain", Description: "the number is too long or not text (empty body)", Example: ""},
		403: {ContentType: "text/plain", Description: "the token is wrong, or the address is not in callerid.allow (empty body)", Example: ""},
	}
	params := []platform.Param{
		{Name: "format", In: "query", Description: "hash: answer name=…&match=…&source=… for Asterisk's HASH(); else the bare name", Example: "hash",
			Schema: map[string]any{"type": "string", "enum": []any{"hash"}}},
		{Name: "pres", In: "query", Description: "The call's presentation (Asterisk ${CALLERPRES()}); a restricted number is not looked up", Example: "allowed"},
		{Name: "cnam", In: "query", Description: "true: the name cut to 15 characters of CNAM", Example: true, Schema: map[string]any{"type": "boolean"}},
		{Name: "token", In: "query", Description: "callerid.token, when set (or the X-Pbxagent-Token header)", Example: "cid-7Hq2mV9x"},
	}
	return []platform.Route{
		{Method: http.MethodGet, Path: "/cid", Scope: platform.ScopePublic, Handler: h, Op: platform.Operation{
			Summary: "Caller name for Asterisk CURL() (text/plain, always 200)",
			Params: append(params, platform.Param{Name: "number", In: "query", Required: true,
				Description: "The caller's number in any notation (a leading + must be sent as %2B)", Example: "+38761111111"}), Responses: text}},
		{Method: http.MethodGet, Path: "/cid/{number}", Scope: platform.ScopePublic, Handler: h, Op: platform.Operation{
			Summary: "Caller name for Asterisk CURL()",
			Params: append(params, platform.Param{Name: "number", In: "path", Required: true,
				Description: "The caller's number in any notation", Example: "+38761111111"}), Responses: text}},
		{Method: http.MethodGet, Path: "/api/v1/callerid/test", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(c.serveTest),
			Op: platform.Operation{
				Summary: "Caller-ID tester: what the HTTP (/cid), FastAGI and SIP redirect paths answer for a number, each by its own code",
				Params: []platform.Param{
					{Name: "number", In: "query", Required: true, Description: "the calling number, as a trunk or Asterisk gives it (at most 64 bytes)", Example: "+38761111111"},
					{Name: "current_name", In: "query", Description: "the caller name the call already carries, for FastAGI's overwrite policy (empty: Asterisk's \"unknown\")", Example: "unknown"},
				},
				Responses: map[int]platform.Body{
					200: {ContentType: "application/json", Description: "each path's answer", Schema: callerid.TestResult{}},
					400: {ContentType: "application/json", Description: "a bad number", Schema: platform.ErrorBody{}},
				}}},
	}
}

// serveTest answers GET /api/v1/callerid/test.
func (c *callerID) serveTest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	number := q.Get("number")
	if err := callerid.CheckTestNumber(number); err != nil {
		platform.WriteErr(w, r, platform.Invalid("bad number", platform.FieldError{Field: "number", Message: err.Error()}))
		return
	}
	name := q.Get("current_name")
	if len(name) > 200 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		platform.WriteErr(w, r, platform.Invalid("bad current_name",
			platform.FieldError{Field: "current_name", Message: "at most 200 bytes, no control characters"}))
		return
	}
	res, err := c.tester.Test(r.Context(), number, name)
	if err != nil {
		platform.WriteErr(w, r, fmt.Errorf("caller-id test: %w", err))
		return
	}
	platform.WriteJSON(w, http.StatusOK, res)
}

// Listen binds FastAGI and the SIP redirect server's UDP and TCP sockets.
func (c *callerID) Listen(context.Context) (err error) {
	if c.agiAddr != "" {
		if c.agiLn, err = net.Listen("tcp", c.agiAddr); err != nil {
			return agiListener.bindError(c.agiAddr, err)
		}
	}
	if c.sip != nil {
		return c.listenSIP()
	}
	return nil
}

// listenSIP binds UDP, then TCP on the port UDP got. With port 0 the port
// UDP picked may be taken for TCP: then it tries another (a few times).
func (c *callerID) listenSIP() (err error) {
	anyPort := strings.HasSuffix(c.sipAddr, ":0")
	for attempt := 0; ; attempt++ {
		if c.sipPC, err = net.ListenPacket("udp", c.sipAddr); err != nil {
			return sipListener.bindError("udp "+c.sipAddr, err)
		}
		if c.sipLn, err = net.Listen("tcp", c.sipPC.LocalAddr().String()); err == nil {
			return nil
		}
		if !anyPort || attempt == 4 || !errors.Is(err, syscall.EADDRINUSE) {
			return sipListener.bindError("tcp "+c.sipPC.LocalAddr().String(), err)
		}
		_ = c.sipPC.Close()
		c.sipPC = nil
	}
}

// Run serves FastAGI and SIP until ctx ends.
func (c *callerID) Run(ctx context.Context) error {
	errs := make(chan error, 2)
	n := 0
	if c.agiLn != nil {
		n++
		go func() { errs <- c.svc.ServeAGI(ctx, c.agiLn) }()
	}
	if c.sip != nil {
		n++
		go func() { errs <- c.sip.Serve(ctx, c.sipPC, c.sipLn) }()
	}
	var all []error
	for range n {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			all = append(all, err)
		}
	}
	if n == 0 {
		<-ctx.Done()
	}
	return errors.Join(all...)
}

// Shutdown closes the listeners (those Serve did not close already).
func (c *callerID) Shutdown(context.Context) error {
	for _, cl := range []interface{ Close() error }{c.agiLn, c.sipLn, c.sipPC} {
		if cl != nil && !isNil(cl) {
			_ = cl.Close()
		}
	}
	return nil
}

// isNil reports whether an interface holds a nil listener.
func isNil(c interface{ Close() error }) bool {
	switch v := c.(type) {
	case net.Listener:
		return v == nil
	case net.PacketConn:
		return v == nil
	}
	return false
}

// ReadyChecks reports FastAGI's and the SIP transports' state, each
// configured one under its name.
func (c *callerID) ReadyChecks(context.Context) map[string]error {
	out := map[string]error{}
	if c.agiAddr != "" {
		out["agi"] = nil
		if c.agiLn == nil {
			out["agi"] = errNotListening
		}
	}
	if c.sip != nil {
		out["sip"] = c.sip.Ready()
		if c.sipPC == nil {
			out["sip"] = errNotListening
		}
	}
	return out
}

// errNotListening: the daemon has not started (or its start failed).
var errNotListening = errors.New("not listening")

// callerIDApp is the caller-ID Stasis app on the ARI connection.
type callerIDApp struct{ app *cidapp.App }

func newCallerIDApp(b *build) (platform.Component, error) {
	if b.d.ari == nil || b.d.cid == nil {
		return nil, nil
	}
	return &callerIDApp{app: cidapp.New(b.d.ari, b.cfg.ARI.CallerIDApp, b.d.cid.svc, b.logger("cidapp"))}, nil
}

// Name implements platform.Component.
func (*callerIDApp) Name() string { return "cidapp" }

// Run answers the Stasis app's calls until ctx ends.
func (a *callerIDApp) Run(ctx context.Context) error { return a.app.Run(ctx) }
