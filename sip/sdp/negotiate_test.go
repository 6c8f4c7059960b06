package sdp

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var (
	ourAddr   = netip.MustParseAddr("192.0.2.99")
	theirAddr = netip.MustParseAddr("192.0.2.50")
)

func mustParse(t *testing.T, b []byte) *Session {
	t.Helper()
	s, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	return s
}

func TestNewOfferMarshal(t *testing.T) {
	s := NewOffer(Local{Addr: ourAddr, Port: 30000, DTMF: true, SessionID: 42, Version: 7})
	want := "v=0\r\n" +
		"o=pbxagent 42 7 IN IP4 192.0.2.99\r\n" +
		"s=pbxagent\r\n" +
		"c=IN IP4 192.0.2.99\r\n" +
		"t=0 0\r\n" +
		"m=audio 30000 RTP/AVP 0 8 101\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n" +
		"a=ptime:20\r\n" +
		"a=sendrecv\r\n"
	if got := string(s.Marshal()); got != want {
		t.Errorf("Marshal:\n%s\nwant\n%s", got, want)
	}
	if back := mustParse(t, s.Marshal()); !reflect.DeepEqual(back, s) {
		t.Errorf("Parse(Marshal(offer)):\n got %+v\nwant %+v", back, s)
	}
}

func TestNewOfferOptions(t *testing.T) {
	s := NewOffer(Local{
		Addr: netip.MustParseAddr("2001:db8::9"), Port: 30002, PayloadTypes: []uint8{8, 8},
		DTMF: true, EventPayloadType: 96, Direction: SendOnly, Username: "bob",
	})
	got := string(s.Marshal())
	for _, want := range []string{"o=bob 0 0 IN IP6 2001:db8::9\r\n", "c=IN IP6 2001:db8::9\r\n", "m=audio 30002 RTP/AVP 8 96\r\n", "a=rtpmap:96 telephone-event/8000\r\n", "a=sendonly\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("offer lacks %q:\n%s", want, got)
		}
	}
	if noDTMF := string(NewOffer(Local{Addr: ourAddr, Port: 1}).Marshal()); strings.Contains(noDTMF, "telephone-event") {
		t.Errorf("offer without DTMF names telephone-event:\n%s", noDTMF)
	}
}

func TestAnswer(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n"
	tests := []struct {
		name      string
		offer     string
		local     Local
		wantErr   error
		wantPT    uint8
		wantEvent uint8
		wantDir   Direction
		wantAnsw  Direction // the direction written in the answer
		remote    string    // "" for none
		rtcp      string
		wantMedia []string // the answer's m= lines
	}{
		{
			name:      "PCMU and PCMA offered, PCMU first",
			offer:     head + "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
			local:     Local{DTMF: true},
			wantPT:    0,
			wantEvent: 101,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0 101"},
		},
		{
			name:      "PCMA-only offer",
			offer:     head + "m=audio 4000 RTP/AVP 8\r\na=ptime:30\r\n",
			wantPT:    8,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 8"},
		},
		{
			name:      "our preference does not reorder the offer's",
			offer:     head + "m=audio 4000 RTP/AVP 18 8 0\r\n",
			local:     Local{PayloadTypes: []uint8{0, 8}},
			wantPT:    8,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 8"},
		},
		{
			name:    "no common codec",
			offer:   head + "m=audio 4000 RTP/AVP 18 9 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			local:   Local{DTMF: true},
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "PCMA offered, only PCMU taken",
			offer:   head + "m=audio 4000 RTP/AVP 8\r\n",
			local:   Local{PayloadTypes: []uint8{0}},
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "payload type 0 re-mapped is not PCMU",
			offer:   head + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 opus/48000/2\r\n",
			wantErr: ErrNoCommonCodec,
		},
		{
			name:      "telephone-event PT 96 mirrored",
			offer:     head + "m=audio 4000 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n",
			local:     Local{DTMF: true, EventPayloadType: 101},
			wantPT:    8,
			wantEvent: 96,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 8 96"},
		},
		{
			name:      "telephone-event offered, we take none",
			offer:     head + "m=audio 4000 RTP/AVP 0 96\r\na=rtpmap:96 telephone-event/8000\r\n",
			wantPT:    0,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "hold: sendonly offered, we receive only",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n",
			wantPT:    0,
			wantDir:   RecvOnly,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "hold: session-level sendonly",
			offer:     head + "a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n",
			wantPT:    0,
			wantDir:   RecvOnly,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "hold: inactive offered",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\na=inactive\r\n",
			wantPT:    0,
			wantDir:   Inactive,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "recvonly offered, we send only",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n",
			wantPT:    0,
			wantDir:   SendOnly,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "sendrecv offered while we hold (sendonly)",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\n",
			local:     Local{Direction: SendOnly},
			wantPT:    0,
			wantDir:   SendOnly,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "sendonly offered while we hold: inactive",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n",
			local:     Local{Direction: SendOnly},
			wantPT:    0,
			wantDir:   Inactive,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "old-style hold c=0.0.0.0: no remote, we do not send",
			offer:     "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
			wantPT:    0,
			wantDir:   RecvOnly,
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:      "old-style hold c=0.0.0.0 with sendonly: inactive",
			offer:     "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n",
			wantPT:    0,
			wantDir:   Inactive,
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name: "rejected video alongside audio",
			offer: head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 4000 RTP/AVP 0\r\n" +
				"m=audio 0 RTP/AVP 8\r\nm=image 6000 udptl t38\r\n",
			wantPT:    0,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			wantMedia: []string{"m=video 0 RTP/AVP 96", "m=audio 30000 RTP/AVP 0", "m=audio 0 RTP/AVP 8", "m=image 0 udptl t38"},
		},
		{
			name: "second audio stream rejected, media c= and a=rtcp with address",
			offer: head + "m=audio 4000 RTP/AVP 8\r\nc=IN IP4 198.51.100.7\r\na=rtcp:4100 IN IP4 198.51.100.8\r\n" +
				"m=audio 4002 RTP/AVP 0\r\n",
			wantPT:    8,
			wantDir:   SendRecv,
			remote:    "198.51.100.7:4000",
			rtcp:      "198.51.100.8:4100",
			wantMedia: []string{"m=audio 30000 RTP/AVP 8", "m=audio 0 RTP/AVP 0"},
		},
		{
			name:      "a=rtcp port only",
			offer:     head + "m=audio 4000 RTP/AVP 0\r\na=rtcp:4100\r\n",
			wantPT:    0,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4100",
			wantMedia: []string{"m=audio 30000 RTP/AVP 0"},
		},
		{
			name:    "audio port 0 only",
			offer:   head + "m=audio 0 RTP/AVP 0\r\n",
			wantErr: ErrNoAudio,
		},
		{
			name:    "SRTP audio only",
			offer:   head + "m=audio 4000 RTP/SAVP 0\r\n",
			wantErr: ErrNoAudio,
		},
		{
			name:    "no connection address",
			offer:   "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
			wantErr: errNoConnection,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer := mustParse(t, []byte(tt.offer))
			l := tt.local
			l.Addr, l.Port = ourAddr, 30000
			ans, neg, err := Answer(offer, l)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Answer error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if neg.PayloadType != tt.wantPT || neg.EventPayloadType != tt.wantEvent || neg.Direction != tt.wantDir {
				t.Errorf("negotiated PT %d event %d direction %s; want %d %d %s", neg.PayloadType, neg.EventPayloadType, neg.Direction, tt.wantPT, tt.wantEvent, tt.wantDir)
			}
			if got := addrPortString(neg.Remote); got != tt.remote {
				t.Errorf("remote %s, want %q", got, tt.remote)
			}
			if got := addrPortString(neg.RemoteRTCP); got != tt.rtcp {
				t.Errorf("remote RTCP %s, want %q", got, tt.rtcp)
			}
			body := ans.Marshal()
			var mlines []string
			for _, line := range strings.Split(string(body), "\r\n") {
				if strings.HasPrefix(line, "m=") {
					mlines = append(mlines, line)
				}
			}
			if strings.Join(mlines, "|") != strings.Join(tt.wantMedia, "|") {
				t.Errorf("answer m= lines %q, want %q\n%s", mlines, tt.wantMedia, body)
			}
			// The answer parses, and the offerer reading it agrees.
			back := mustParse(t, body)
			if !reflect.DeepEqual(back, ans) {
				t.Errorf("Parse(Marshal(answer)):\n got %+v\nwant %+v", back, ans)
			}
			au, ok := back.Audio()
			if !ok || au.Direction != tt.wantDir {
				t.Fatalf("answer's audio %+v, want direction %s", au, tt.wantDir)
			}
			if tt.wantEvent != 0 && !strings.Contains(string(body), "a=fmtp:"+itoa(tt.wantEvent)+" 0-16\r\n") {
				t.Errorf("answer lacks the telephone-event fmtp:\n%s", body)
			}
		})
	}
}

func TestAnswerBadLocal(t *testing.T) {
	offer := mustParse(t, crlf("v=0", "o=- 1 1 IN IP4 192.0.2.50", "s=-", "c=IN IP4 192.0.2.50", "t=0 0", "m=audio 4000 RTP/AVP 0"))
	for _, l := range []Local{
		{Port: 30000},
		{Addr: ourAddr},
		{Addr: ourAddr, Port: 70000},
		{Addr: ourAddr, Port: 30000, Direction: "hold"},
	} {
		if _, _, err := Answer(offer, l); err == nil {
			t.Errorf("Answer with %+v: no error", l)
		}
	}
	if _, _, err := Answer(nil, Local{Addr: ourAddr, Port: 1}); err == nil {
		t.Error("Answer(nil): no error")
	}
}

func TestAccept(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n"
	tests := []struct {
		name      string
		answer    string
		local     Local
		wantErr   error
		wantPT    uint8
		wantEvent uint8
		wantDir   Direction
		remote    string
		rtcp      string
		ptime     int
	}{
		{
			name:      "PCMA with events at our PT",
			answer:    head + "m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n",
			local:     Local{DTMF: true},
			wantPT:    8,
			wantEvent: 101,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
			ptime:     20,
		},
		{
			name:      "answer names its own event PT",
			answer:    head + "m=audio 4000 RTP/AVP 0 97\r\na=rtpmap:97 telephone-event/8000\r\n",
			local:     Local{DTMF: true},
			wantPT:    0,
			wantEvent: 97,
			wantDir:   SendRecv,
			remote:    "192.0.2.50:4000",
			rtcp:      "192.0.2.50:4001",
		},
		{
			name:    "events answered though we offered none",
			answer:  head + "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			wantPT:  0,
			wantDir: SendRecv,
			remote:  "192.0.2.50:4000",
			rtcp:    "192.0.2.50:4001",
		},
		{
			name:    "CN before the codec is skipped",
			answer:  head + "m=audio 4000 RTP/AVP 13 0\r\n",
			wantPT:  0,
			wantDir: SendRecv,
			remote:  "192.0.2.50:4000",
			rtcp:    "192.0.2.50:4001",
		},
		{
			name:    "payload type not offered",
			answer:  head + "m=audio 4000 RTP/AVP 18\r\n",
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "PCMA answered to a PCMU-only offer",
			answer:  head + "m=audio 4000 RTP/AVP 8\r\n",
			local:   Local{PayloadTypes: []uint8{0}},
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "only events",
			answer:  head + "m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			wantErr: ErrNoCommonCodec,
		},
		{
			name:    "rejected audio",
			answer:  head + "m=audio 0 RTP/AVP 0\r\n",
			wantErr: ErrNoAudio,
		},
		{
			name:    "no audio",
			answer:  head + "m=video 0 RTP/AVP 96\r\n",
			wantErr: ErrNoAudio,
		},
		{
			name:    "peer answers recvonly to our sendrecv: we send only",
			answer:  head + "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n",
			wantPT:  0,
			wantDir: SendOnly,
			remote:  "192.0.2.50:4000",
			rtcp:    "192.0.2.50:4001",
		},
		{
			name:    "our hold offer answered recvonly",
			answer:  head + "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n",
			local:   Local{Direction: SendOnly},
			wantPT:  0,
			wantDir: SendOnly,
			remote:  "192.0.2.50:4000",
			rtcp:    "192.0.2.50:4001",
		},
		{
			name:    "our inactive offer answered sendrecv stays inactive",
			answer:  head + "m=audio 4000 RTP/AVP 0\r\n",
			local:   Local{Direction: Inactive},
			wantPT:  0,
			wantDir: Inactive,
			remote:  "192.0.2.50:4000",
			rtcp:    "192.0.2.50:4001",
		},
		{
			name:    "answer with 0.0.0.0",
			answer:  "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
			wantPT:  0,
			wantDir: RecvOnly,
		},
		{
			name:    "IPv6 answer with a=rtcp",
			answer:  "v=0\r\no=- 1 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:5000\r\n",
			wantPT:  0,
			wantDir: SendRecv,
			remote:  "[2001:db8::5]:4000",
			rtcp:    "[2001:db8::5]:5000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := mustParse(t, []byte(tt.answer))
			l := tt.local
			l.Addr, l.Port = ourAddr, 30000
			neg, err := Accept(answer, l)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Accept error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if neg.PayloadType != tt.wantPT || neg.EventPayloadType != tt.wantEvent || neg.Direction != tt.wantDir || neg.Ptime != tt.ptime {
				t.Errorf("negotiated %+v; want PT %d event %d direction %s ptime %d", neg, tt.wantPT, tt.wantEvent, tt.wantDir, tt.ptime)
			}
			if got := addrPortString(neg.Remote); got != tt.remote {
				t.Errorf("remote %s, want %q", got, tt.remote)
			}
			if got := addrPortString(neg.RemoteRTCP); got != tt.rtcp {
				t.Errorf("remote RTCP %s, want %q", got, tt.rtcp)
			}
		})
	}
}

// TestOfferAnswerBothSides runs our offer through our own answerer and
// back: both sides agree on the codec, events and complementary
// directions.
func TestOfferAnswerBothSides(t *testing.T) {
	tests := []struct {
		name               string
		caller, callee     Local
		wantPT             uint8
		callerDir, calleeD Direction
	}{
		{name: "plain", caller: Local{DTMF: true}, callee: Local{DTMF: true}, wantPT: 0, callerDir: SendRecv, calleeD: SendRecv},
		{name: "callee PCMA only", caller: Local{DTMF: true}, callee: Local{PayloadTypes: []uint8{8}, DTMF: true}, wantPT: 8, callerDir: SendRecv, calleeD: SendRecv},
		{name: "caller holds", caller: Local{Direction: SendOnly, DTMF: true}, callee: Local{DTMF: true}, wantPT: 0, callerDir: SendOnly, calleeD: RecvOnly},
		{name: "both hold", caller: Local{Direction: SendOnly}, callee: Local{Direction: SendOnly}, wantPT: 0, callerDir: Inactive, calleeD: Inactive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.caller.Addr, tt.caller.Port = ourAddr, 30000
			tt.callee.Addr, tt.callee.Port = theirAddr, 40000
			offer := mustParse(t, NewOffer(tt.caller).Marshal())
			ans, calleeNeg, err := Answer(offer, tt.callee)
			if err != nil {
				t.Fatal(err)
			}
			callerNeg, err := Accept(mustParse(t, ans.Marshal()), tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			if callerNeg.PayloadType != tt.wantPT || calleeNeg.PayloadType != tt.wantPT {
				t.Errorf("payload types %d / %d, want %d", callerNeg.PayloadType, calleeNeg.PayloadType, tt.wantPT)
			}
			if callerNeg.Direction != tt.callerDir || calleeNeg.Direction != tt.calleeD {
				t.Errorf("directions %s / %s, want %s / %s", callerNeg.Direction, calleeNeg.Direction, tt.callerDir, tt.calleeD)
			}
			if callerNeg.Remote != netip.AddrPortFrom(theirAddr, 40000) || calleeNeg.Remote != netip.AddrPortFrom(ourAddr, 30000) {
				t.Errorf("remotes %v / %v", callerNeg.Remote, calleeNeg.Remote)
			}
			wantEv := uint8(0)
			if tt.caller.DTMF && tt.callee.DTMF {
				wantEv = 101
			}
			if callerNeg.EventPayloadType != wantEv || calleeNeg.EventPayloadType != wantEv {
				t.Errorf("event PTs %d / %d, want %d", callerNeg.EventPayloadType, calleeNeg.EventPayloadType, wantEv)
			}
		})
	}
}

func TestAnswerSeeds(t *testing.T) {
	tests := []struct {
		file    string
		wantPT  uint8
		wantDir Direction
		wantErr error
	}{
		{file: "asterisk.sdp", wantPT: 0, wantDir: SendRecv},
		{file: "sipp-uac.sdp", wantPT: 0, wantDir: SendRecv},
		{file: "cisco-polycom.sdp", wantPT: 0, wantDir: SendRecv},
		{file: "polycom-hold.sdp", wantPT: 0, wantDir: RecvOnly},
		{file: "ipv6.sdp", wantPT: 8, wantDir: Inactive},
		{file: "hold-0000.sdp", wantPT: 0, wantDir: RecvOnly},
		{file: "sendonly-t38.sdp", wantPT: 8, wantDir: RecvOnly},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			offer := mustParse(t, b)
			ans, neg, err := Answer(offer, Local{Addr: ourAddr, Port: 30000, DTMF: true})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Answer error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if neg.PayloadType != tt.wantPT || neg.Direction != tt.wantDir {
				t.Errorf("negotiated %+v, want PT %d direction %s", neg, tt.wantPT, tt.wantDir)
			}
			if len(ans.Media) != len(offer.Media) {
				t.Errorf("answer has %d m= lines, offer %d", len(ans.Media), len(offer.Media))
			}
		})
	}
}

func addrPortString(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func itoa(n uint8) string { return strconv.Itoa(int(n)) }
