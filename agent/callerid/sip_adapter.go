package callerid

import (
	"context"

	sipmsg "github.com/emiago/sipgo/sip"

	pbxsip "github.com/pbxagent/pbxagent/sip"
)

// SIPResolver adapts the service to the SIP redirect server:
//
//	srv, err := sip.NewRedirectServer(svc.SIPResolver(), opts...)
//
// Names come out in CNAM form when the service runs in CNAM mode (WithCNAM or WithSIPCNAM).
func (s *Service) SIPResolver() pbxsip.Resolver { return sipResolver{s} }

type sipResolver struct{ s *Service }

// Resolve implements sip.Resolver.
func (r sipResolver) Resolve(ctx context.Context, number string, _ *sipmsg.Request) (pbxsip.Identity, bool) {
	res, ok := r.s.Resolve(ctx, ProtoSIP, number, PresentationUnknown)
	id := pbxsip.Identity{E164: res.E164, Match: string(res.Match)}
	if ok {
		id.Name = r.s.DisplayName(res.Name)
		if r.s.sipCNAM {
			id.Name = CNAM(res.Name)
		}
	}
	return id, ok && id.Name != ""
}
