package callerid

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	pbxsip "github.com/pbxagent/pbxagent/sip"
)

func TestSIPResolver(t *testing.T) {
	tests := []struct {
		number    string
		opts      []Option
		wantFound bool
		wantName  string
		wantMatch string
		wantE164  string
	}{
		{"061111111", nil, true, "Ana Anić", "e164", "+38761111111"},
		{"065555555", []Option{WithCNAM(true)}, true, "Djuric Seco", "national", "+38765555555"},
		{"065555555", []Option{WithSIPCNAM(true)}, true, "Djuric Seco", "national", "+38765555555"},
		{"069999999", nil, false, "", "none", ""},
		{"anonymous", nil, false, "", "skipped", ""},
		{"064444444", nil, false, "", "ambiguous", "+38764444444"},
	}
	for _, tt := range tests {
		s := newTestService(t, testDir(), tt.opts...)
		id, found := s.SIPResolver().Resolve(context.Background(), tt.number, nil)
		if found != tt.wantFound || id.Name != tt.wantName || id.Match != tt.wantMatch || id.E164 != tt.wantE164 {
			t.Errorf("Resolve(%q) = %+v %v", tt.number, id, found)
		}
	}
}

// TestSIPRedirectEndToEnd: the service behind the real redirect server over loopback UDP.
func TestSIPRedirectEndToEnd(t *testing.T) {
	tests := []struct{ name, fromUser string }{
		{name: "plain", fromUser: "061111111"},
		{name: "escaped plus", fromUser: "%2B38761111111"}, // was looked up as "%2B…" and skipped
		{name: "escaped digits", fromUser: "%30%36%31111111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { sipRedirectEndToEnd(t, tt.fromUser) })
	}
}

func sipRedirectEndToEnd(t *testing.T, fromUser string) {
	s := newTestService(t, testDir())
	srv, err := pbxsip.NewRedirectServer(s.SIPResolver(), pbxsip.WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, pc, nil) }()
	defer func() { cancel(); <-done }()

	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	dst := pc.LocalAddr().(*net.UDPAddr)
	msg := fmt.Sprintf("INVITE sip:033222111@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-e2e\r\n"+
		"From: <sip:%s@127.0.0.1>;tag=a\r\nTo: <sip:033222111@%s>\r\nCall-ID: e2e@test\r\nCSeq: 1 INVITE\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", dst, port, fromUser, dst)
	if _, err := c.WriteToUDP([]byte(msg), dst); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sipmsg.ParseMessage(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	res := m.(*sipmsg.Response)
	pai := res.GetHeader("P-Asserted-Identity")
	if res.StatusCode != 302 || pai == nil || !strings.HasPrefix(pai.Value(), `"Ana Anić" <sip:+38761111111@`) {
		t.Fatalf("got %s", buf[:n])
	}
}
