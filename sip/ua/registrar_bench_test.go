package ua

import (
	"fmt"
	"testing"
)

// BenchmarkRegistrarRefresh measures one authenticated REGISTER refresh
// (digest check, nonce check, binding update, the 200's contact list) for
// 1000 users registered.
func BenchmarkRegistrarRefresh(b *testing.B) {
	r := NewRegistrar(RegistrarConfig{Password: func(string) (string, bool) { return "pw", true }})
	const users = 1000
	reqs := make([]string, users)
	for i := range users {
		user := fmt.Sprintf("u%d", i)
		req := rawRegister(b, user, "c"+user, 1, "UDP", "10.0.0.5:5060", "Contact: <sip:"+user+"@10.0.0.5>", "Expires: 600")
		authorize(b, req, challengeFor(b, r, user), user, "pw")
		if rep, _ := r.handle(req); rep.status != 200 {
			b.Fatalf("%s: %d", user, rep.status)
		}
		reqs[i] = req.GetHeader("Authorization").Value()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		user := fmt.Sprintf("u%d", i%users)
		req := rawRegister(b, user, "c"+user, 2+i, "UDP", "10.0.0.5:5060", "Contact: <sip:"+user+"@10.0.0.5>", "Expires: 600",
			"Authorization: "+reqs[i%users])
		if rep, _ := r.handle(req); rep.status != 200 {
			b.Fatalf("%s: %d %s", user, rep.status, rep.reason)
		}
	}
}
