package ua

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/sipp"
)

// TestRegistrarWithSIPp registers a real SIPp UAC (scenario
// uac_register.xml: digest by SIPp's own [authentication], then
// unregistration) to the Registrar.
func TestRegistrarWithSIPp(t *testing.T) {
	if _, err := sipp.Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	registrar := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"alice": "s3cret"}),
		MinExpires: 60 * time.Second, Clock: clock.Real{}})
	server := newRegPeer(t, Config{Registrar: registrar}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := sipp.Run(ctx, sipp.UAC{Scenario: sipp.Scenario("uac_register.xml"), Remote: server.addr,
		Service: "alice", Rate: 1, Calls: 1, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Successful != 1 || res.Failed != 0 {
		t.Fatalf("SIPp: %v\nerrors: %s\noutput: %s", res, res.Errors, res.Output)
	}
	var n int
	for len(server.seen) > 0 {
		<-server.seen
		n++
	}
	if n < 3 {
		t.Fatalf("the registrar saw %d REGISTERs, want at least 3 (challenged, authenticated, unregistration)", n)
	}
	if got, ok := registrar.Lookup("alice"); ok {
		t.Fatalf("Lookup(alice) = %q after SIPp unregistered", got)
	}
}
