package sip

import (
	"context"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// BenchmarkRespond is the server's own work per INVITE (caller extraction, resolver call,
// building the 302), without transport and transaction layers.
func BenchmarkRespond(b *testing.B) {
	raw := "INVITE sip:033222111@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK1\r\n" +
		"From: <sip:061111111@127.0.0.1:5071>;tag=a\r\nTo: <sip:033222111@127.0.0.1:5070>\r\nCall-ID: c1\r\n" +
		"CSeq: 1 INVITE\r\nContact: <sip:sipp@127.0.0.1:5071>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	msg, err := sipmsg.ParseMessage([]byte(raw))
	if err != nil {
		b.Fatal(err)
	}
	req := msg.(*sipmsg.Request)
	s, _ := NewRedirectServer(&fakeResolver{}, WithLogger(quiet()))
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if res := s.Respond(ctx, req); res.StatusCode != 302 {
			b.Fatal(res.StatusCode)
		}
	}
}
