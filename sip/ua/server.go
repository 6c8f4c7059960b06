package ua

import (
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// route sets the server's request handlers. Every handler counts as the
// Agent's work, so Run waits for the ones under way before it closes the
// transports; once it has, requests are left to die with their
// transactions.
func (a *Agent) route(srv *sipgo.Server) {
	srv.OnInvite(a.handler(a.onInvite))
	srv.OnAck(a.handler(a.onAck))
	srv.OnBye(a.handler(a.onBye))
	srv.OnCancel(a.handler(func(req *sip.Request, tx sip.ServerTransaction) {
		// A CANCEL matching an INVITE transaction is answered by sipgo's
		// transaction layer; this one matched none (RFC 3261 section 9.2).
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	}))
	srv.OnRefer(a.handler(a.onRefer))
	srv.OnNotify(a.handler(a.onNotify))
	srv.OnInfo(a.handler(a.onInfo))
	srv.OnOptions(a.handler(a.onOptions))
	srv.OnRegister(a.handler(a.onRegister))
	srv.OnNoRoute(a.handler(func(req *sip.Request, tx sip.ServerTransaction) {
		a.respond(req, tx, sip.StatusMethodNotAllowed, "Method Not Allowed", sip.NewHeader("Allow", allowMethods))
	}))
}

func (a *Agent) handler(f sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !a.work.add() {
			return
		}
		defer a.work.done()
		f(req, tx)
	}
}

// respond answers req with status and reason, and the Server header.
func (a *Agent) respond(req *sip.Request, tx sip.ServerTransaction, status int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, status, reason, nil)
	res.AppendHeader(sip.NewHeader("Server", a.cfg.UserAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		a.log.Debug("sip ua: respond failed", "call_id", callIDOf(req), "status", status, "error", err)
	}
}

// onAck confirms an incoming call's dialog (the ACK of our 2xx, RFC 3261
// section 13.3.1.4); other ACKs are absorbed.
func (a *Agent) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := a.callFor(req)
	if c == nil || c.dss == nil {
		return
	}
	if err := c.dss.ReadAck(req, tx); err != nil {
		c.log.Debug("sip ua: ACK not taken", "error", err)
	}
}

// onBye ends the call the BYE belongs to (481 for none, RFC 3261
// section 15.1.2).
func (a *Agent) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := a.callFor(req)
	if c == nil {
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	c.onBye(req, tx)
}

// onInfo answers an in-dialog INFO with 200; a DTMF digit it carries
// (application/dtmf-relay or application/dtmf) goes to the call's OnDTMF
// like an RFC 4733 event.
func (a *Agent) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := a.callFor(req)
	if c == nil {
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	a.respond(req, tx, sip.StatusOK, "OK")
	if ct := req.ContentType(); ct != nil && c.onDTMF != nil {
		if d, ok := parseDTMFInfo(ct.Value(), req.Body()); ok {
			c.log.Debug("sip ua: DTMF by INFO", "digit", string(d))
			c.onDTMF(d)
		}
	}
}

// onOptions answers OPTIONS, out of a dialog or in a known one.
func (a *Agent) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if _, inDialog := requestKey(req); inDialog && a.callFor(req) == nil {
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	a.answerOptions(req, tx)
}

// onRegister hands REGISTER to the Registrar; 405 without one.
func (a *Agent) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if a.cfg.Registrar == nil {
		a.respond(req, tx, sip.StatusMethodNotAllowed, "Method Not Allowed", sip.NewHeader("Allow", allowMethods))
		return
	}
	a.cfg.Registrar.serve(req, tx)
}
