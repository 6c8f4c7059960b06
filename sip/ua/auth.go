package ua

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authInvite answers the 401/407 challenge prev got (RFC 3261 sections
// 22.2 and 22.3, digest per RFC 2617/7616) with Config.Credentials of the
// challenge's realm, on a new INVITE of the same call (same Call-ID and
// tags, CSeq + 1). It returns the new dialog session and WaitAnswer's
// error; with no credentials for the realm it returns prev and the
// challenge as a failure. The password is never logged.
func (a *Agent) authInvite(ctx context.Context, dua *sipgo.DialogUA, prev *sipgo.DialogClientSession, opts *sipgo.AnswerOptions) (*sipgo.DialogClientSession, error) {
	res := prev.InviteResponse
	failed := &sipgo.ErrDialogResponse{Res: res}
	hdrName, authName := "WWW-Authenticate", "Authorization"
	if res.StatusCode == sip.StatusProxyAuthRequired {
		hdrName, authName = "Proxy-Authenticate", "Proxy-Authorization"
	}
	h := res.GetHeader(hdrName)
	if h == nil {
		return prev, failed
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return prev, errors.Join(failed, fmt.Errorf("ua: %s: %w", hdrName, err))
	}
	user, pass, ok := a.cfg.Credentials(chal.Realm)
	if !ok {
		a.log.Debug("sip ua: no credentials for the realm", "realm", chal.Realm)
		return prev, failed
	}
	chal.Algorithm = strings.ToUpper(chal.Algorithm)
	invite := prev.InviteRequest.Clone()
	cred, err := digest.Digest(chal, digest.Options{Method: string(sip.INVITE), URI: invite.Recipient.Addr(),
		Username: user, Password: pass})
	if err != nil {
		return prev, errors.Join(failed, fmt.Errorf("ua: digest for realm %q: %w", chal.Realm, err))
	}
	invite.RemoveHeader("Via")
	invite.RemoveHeader(authName)
	invite.AppendHeader(sip.NewHeader(authName, cred.String()))
	invite.CSeq().SeqNo++
	invite.SetTransport(prev.InviteRequest.Transport())
	prev.InviteRequest.Laddr.Copy(&invite.Laddr)
	a.log.Debug("sip ua: answering the challenge", "call_id", invite.CallID().Value(), "realm", chal.Realm, "user", user)
	opts.Username, opts.Password = user, pass
	dcs, err := dua.WriteInvite(ctx, invite)
	if err != nil {
		return prev, fmt.Errorf("ua: send authenticated INVITE: %w", err)
	}
	return dcs, dcs.WaitAnswer(ctx, *opts)
}
