package agent

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestListenerTakenNamesItsKey: when a listener's address is taken the
// start fails with an error that says which listener, the key, flags and
// environment variable that move it, and how to turn it off (or that it
// cannot be).
func TestListenerTakenNamesItsKey(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer takenUDP.Close()
	tcpAddr, udpAddr := taken.Addr().String(), takenUDP.LocalAddr().String()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, cert, key, "listen")
	for name, tc := range map[string]struct {
		mut  func(*config.Config)
		want []string
	}{
		"http": {mut: func(c *config.Config) { c.HTTP.Addr = tcpAddr },
			want: []string{"HTTP listener", "http.addr", "--http.addr HOST:PORT (or --http)", "PBXAGENT_HTTP_ADDR", "cannot be turned off"}},
		"https": {mut: func(c *config.Config) { c.HTTP.TLSAddr, c.HTTP.TLSCert, c.HTTP.TLSKey = tcpAddr, cert, key },
			want: []string{"HTTPS listener", "--http.tls_addr HOST:PORT", "PBXAGENT_HTTP_TLS_ADDR", "leaving http.tls_addr, http.tls_cert, http.tls_key empty"}},
		"agi": {mut: func(c *config.Config) { c.AGI.Addr = tcpAddr },
			want: []string{"FastAGI listener", "--agi.addr HOST:PORT (or --agi)", "PBXAGENT_AGI_ADDR", "--agi.addr= or PBXAGENT_AGI_ADDR="}},
		"sip": {mut: func(c *config.Config) { c.SIP.Addr = udpAddr },
			want: []string{"SIP redirect listener", "--sip_redirect.addr HOST:PORT (or --sip-redirect)", "PBXAGENT_SIP_REDIRECT_ADDR", "--sip_redirect.addr="}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.mut(&cfg)
			d, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			err = d.Start(context.Background())
			if err == nil {
				d.Stop(context.Background())
				t.Fatal("started on a taken address")
			}
			_ = d.Stop(context.Background())
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			if !strings.Contains(err.Error(), "address already in use") {
				t.Errorf("error hides the cause: %v", err)
			}
		})
	}
}
