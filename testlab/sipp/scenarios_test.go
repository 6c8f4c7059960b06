package sipp

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/rtppcap"
)

// writeTestPcap writes dir/audio.pcap: 1 s of a 440 Hz tone and the digits "12"; it returns the
// pcap's duration.
func writeTestPcap(t *testing.T, dir string) time.Duration {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "audio.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sw, err := rtppcap.NewStreamWriter(f, rtppcap.Stream{SSRC: 0x5111, Seq: 100, Timestamp: 1000})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 8000)
	for i := range pcm {
		pcm[i] = int16(6000 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	if err := sw.Audio(pcm); err != nil {
		t.Fatal(err)
	}
	for _, d := range "12" {
		if err := sw.DTMF(d, 100*time.Millisecond, 10); err != nil {
			t.Fatal(err)
		}
	}
	return sw.Duration()
}

// TestSIPpScenarioPairs runs the media and calls-per-second scenarios against each other (SIPp
// as caller and as callee): every call succeeds on both sides, so their SIP is consistent before
// pbxagent's user agent is put in front of them (testlab/sipua).
func TestSIPpScenarioPairs(t *testing.T) {
	Require(t)
	tests := []struct {
		name     string
		uac, uas string
		calls    int
		rate     int
		pcap     bool
	}{
		{name: "uac_call to uas_pcap", uac: "uac_call.xml", uas: "uas_pcap.xml", calls: 2, rate: 2, pcap: true},
		{name: "uac_cps to uas_cps", uac: "uac_cps.xml", uas: "uas_cps.xml", calls: 200, rate: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			uasDir, uacDir := t.TempDir(), t.TempDir()
			var pause time.Duration
			if tt.pcap {
				pause = writeTestPcap(t, uacDir) + 300*time.Millisecond
				writeTestPcap(t, uasDir)
			}
			uas, err := StartServer(ctx, Server{Scenario: Scenario(tt.uas), Dir: uasDir, Calls: tt.calls})
			if err != nil {
				t.Fatal(err)
			}
			defer uas.Stop()
			mp, err := FreeMediaPort()
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(ctx, UAC{Scenario: Scenario(tt.uac), Remote: uas.Addr, Rate: tt.rate, Calls: tt.calls,
				Dir: uacDir, MediaPort: mp, Pause: pause})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 0 || res.Successful != tt.calls || res.Failed != 0 {
				t.Fatalf("uac: %s\nerrors: %s\noutput: %.2000s", res, res.Errors, res.Output)
			}
			sres, err := uas.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sres.ExitCode != 0 || sres.Successful != tt.calls || sres.Failed != 0 {
				t.Fatalf("uas: %s\nerrors: %s\noutput: %.2000s", sres, sres.Errors, sres.Output)
			}
		})
	}
}
