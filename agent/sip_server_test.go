package agent

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestDaemonSIPLimits: the daemon's SIP listener with the limits from its configuration: 20
// half-sent INVITEs over TCP with a cap of 5 are all closed within the message timeout, the
// metrics count them, and a UDP INVITE whose Via names another port is answered to its source.
func TestDaemonSIPLimits(t *testing.T) {
	d, base := testDaemon(t, func(c *config.Config) {
		c.SIP.Addr = "127.0.0.1:0"
		c.SIP.TCPMaxConns, c.SIP.TCPMaxConnsPerIP = 5, 5
		c.SIP.TCPMessageTimeout = 500 * time.Millisecond
	})
	half := "INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-h\r\nFrom: <sip:600115@x>;tag=1\r\n"
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", d.SIPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(half)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := c.Read(make([]byte, 512))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("half-sent INVITE held for 5 s")
			}
		}()
	}
	wg.Wait()
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("connections held %v", el)
	}

	// UDP: the Via names another local port; the answer comes back to the source only.
	src, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	srv, _ := net.ResolveUDPAddr("udp", d.SIPAddr())
	invite := fmt.Sprintf("INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-amp\r\n"+
		"From: <sip:061111111@127.0.0.1>;tag=a\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: amp@test\r\nCSeq: 1 INVITE\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", other.LocalAddr().(*net.UDPAddr).Port)
	if _, err := src.WriteToUDP([]byte(invite), srv); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	_ = src.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, _, err := src.ReadFromUDP(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 ") {
		t.Fatalf("no answer at the source: %v %q", err, buf[:n])
	}
	_ = other.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := other.ReadFromUDP(buf); err == nil {
		t.Fatalf("answer sent to the Via port: %q", buf[:n])
	}

	_, body := client{t, base, "test-admin-token"}.do("GET", "/metrics", "", nil)
	for _, want := range []string{`pbxagent_sip_transport_up{transport="tcp"} 1`, `pbxagent_sip_transport_up{transport="udp"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics: no %s", want)
		}
	}
	refused := regexp.MustCompile(`(?m)^pbxagent_sip_tcp_refused_total (\d+)`).FindStringSubmatch(string(body))
	if refused == nil {
		t.Fatal("metrics: no pbxagent_sip_tcp_refused_total")
	}
	if n, _ := strconv.Atoi(refused[1]); n == 0 {
		t.Error("no refused connection counted")
	}
}

// A SIP transport that stops shows in /readyz, while the other one serves.
func TestReadyzNamesAStoppedSIPTransport(t *testing.T) {
	d, base := testDaemon(t, func(c *config.Config) { c.SIP.Addr = "127.0.0.1:0" })
	get := func() (int, string) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually(t, "readyz ok with both SIP transports", func() bool { code, _ := get(); return code == 200 })
	_ = d.cid.sipLn.Close() // the TCP listener fails under the server
	eventually(t, "readyz naming the stopped TCP transport", func() bool {
		code, body := get()
		return code == 503 && strings.Contains(body, "TCP")
	})
}
