package agent

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/agiclient"
)

// TestCallerIDTester: GET /api/v1/callerid/test answers, for an exact
// match, a miss and an ambiguous number, what the real /cid, FastAGI and
// SIP redirect listeners answer for the same number, with the match kind,
// the normalised number and the ambiguous number's candidates; a path
// that is off says so; a bad number is a 400 naming the parameter.
func TestCallerIDTester(t *testing.T) {
	d, base := testDaemon(t, func(c *config.Config) { c.SIP.Addr = "127.0.0.1:0" })
	adm := client{t, base, "test-admin-token"}
	for _, c := range []string{
		`{"first_name":"Amra","last_name":"Hodžić","numbers":[{"type":"mobile","value":"061 111 222"}]}`,
		`{"first_name":"Ena","last_name":"Prva","numbers":[{"type":"work","value":"033 555 666"}]}`,
		`{"first_name":"Ivo","last_name":"Drugi","numbers":[{"type":"work","value":"+387 33 555 666"}]}`,
	} {
		if code, b := adm.do("POST", "/api/v1/contacts", "application/json", []byte(c)); code != http.StatusCreated {
			t.Fatalf("seed: %d %s", code, b)
		}
	}
	cases := []struct {
		name, number, current string
		match                 string
		normalized            string
		body                  string // the name /cid answers
		candidates            []string
		sipStatus             int
	}{
		{name: "exact", number: "061 111 222", match: "exact", normalized: "+38761111222", body: "Amra Hodžić", sipStatus: 302},
		{name: "international form", number: "+38761111222", match: "e164", normalized: "+38761111222", body: "Amra Hodžić", sipStatus: 302},
		{name: "the call already has a name", number: "061111222", current: "Reception", match: "exact", normalized: "+38761111222", body: "Amra Hodžić", sipStatus: 302},
		{name: "miss", number: "061 999 000", match: "none", normalized: "+38761999000", sipStatus: 404},
		{name: "ambiguous", number: "033555666", match: "ambiguous", normalized: "+38733555666", candidates: []string{"Ena Prva", "Ivo Drugi"}, sipStatus: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res callerid.TestResult
			code, b := adm.do("GET", "/api/v1/callerid/test?number="+url.QueryEscape(c.number)+"&current_name="+url.QueryEscape(c.current), "", nil)
			if code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatal(err)
			}
			if string(res.Match) != c.match || res.Normalized != c.normalized || res.Overwrite != "weak" || res.DeadlineMS != 100 {
				t.Errorf("match %q normalized %q overwrite %q deadline %v: %s", res.Match, res.Normalized, res.Overwrite, res.DeadlineMS, b)
			}
			var names []string
			for _, cd := range res.Candidates {
				names = append(names, cd.DisplayName)
			}
			slices.Sort(names)
			if !slices.Equal(names, c.candidates) {
				t.Errorf("candidates %q, want %q", names, c.candidates)
			}

			// HTTP: the tester's body and match are the real /cid's.
			resp, err := http.Get(base + "/cid?number=" + url.QueryEscape(c.number))
			if err != nil {
				t.Fatal(err)
			}
			real, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !res.HTTP.Enabled || res.HTTP.Body != string(real) || res.HTTP.Body != c.body || res.HTTP.Match != resp.Header.Get("X-Pbxagent-Match") {
				t.Errorf("http: tester %+v, real %q (%s)", res.HTTP, real, resp.Header.Get("X-Pbxagent-Match"))
			}

			// FastAGI: the same commands as a session with the real listener.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ar := agiclient.Run(ctx, agiclient.Config{Addr: d.AGIAddr(), CallerID: c.number, CallerIDName: c.current})
			if ar.Err != nil {
				t.Fatal(ar.Err)
			}
			if !res.AGI.Enabled || !slices.Equal(res.AGI.Commands, ar.Commands) {
				t.Errorf("agi: tester %q, real %q", res.AGI.Commands, ar.Commands)
			}
			vars := map[string]string{}
			for _, v := range res.AGI.Variables {
				vars[v.Name] = v.Value
			}
			wantName := c.body
			if c.current != "" {
				wantName = "" // the weak policy keeps a real name
			}
			if vars["CALLERID(name)"] != wantName || vars["PBXAGENT_CID_MATCH"] != c.match {
				t.Errorf("agi variables %v", vars)
			}

			// SIP: the same status and Contact as an INVITE over UDP.
			sr := sipInvite(t, d.SIPAddr(), c.number)
			contact := ""
			if h := sr.GetHeader("Contact"); h != nil {
				contact = h.Value()
			}
			if !res.SIP.Enabled || res.SIP.Status != sr.StatusCode || res.SIP.Status != c.sipStatus {
				t.Errorf("sip: tester %+v, real %d %q", res.SIP, sr.StatusCode, contact)
			}
			if c.body != "" && (res.SIP.DisplayName != c.body || !strings.HasPrefix(contact, `"`+c.body+`"`)) {
				t.Errorf("sip display name: tester %q, real Contact %q", res.SIP.DisplayName, contact)
			}
		})
	}

	code, b := adm.do("GET", "/api/v1/callerid/test?number=", "", nil)
	if code != 400 || !strings.Contains(string(b), `"field":"number"`) {
		t.Errorf("no number: %d %s", code, b)
	}
	if code, _ := (client{t, base, ""}).do("GET", "/api/v1/callerid/test?number=1", "", nil); code != 401 {
		t.Errorf("anonymous: %d", code)
	}
}

// TestCallerIDTesterPathsOff: with FastAGI and SIP off and /cid open to
// no one, the tester says so for each path.
func TestCallerIDTesterPathsOff(t *testing.T) {
	_, base := testDaemon(t, func(c *config.Config) {
		c.AGI.Addr = ""
		c.CallerID.Allow = []string{}
	})
	var res callerid.TestResult
	code, b := (client{t, base, "test-admin-token"}).do("GET", "/api/v1/callerid/test?number=061111222", "", nil)
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	_ = json.Unmarshal(b, &res)
	if res.HTTP.Enabled || !strings.Contains(res.HTTP.Note, "callerid.allow") || res.AGI.Enabled || !strings.Contains(res.AGI.Note, "agi.addr") ||
		res.SIP.Enabled || !strings.Contains(res.SIP.Note, "sip_redirect.addr") {
		t.Errorf("paths off: %s", b)
	}
}

// sipInvite sends an INVITE from number over UDP and returns the answer.
func sipInvite(t *testing.T, addr, number string) *sipmsg.Response {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	inv := "INVITE sip:cnam@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bK-" + url.QueryEscape(number) + "x\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:" + strings.ReplaceAll(number, " ", "%20") + "@127.0.0.1>;tag=t1\r\nTo: <sip:cnam@127.0.0.1>\r\n" +
		"Call-ID: " + url.QueryEscape(number) + "@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(inv)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sipmsg.ParseMessage(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	res, ok := msg.(*sipmsg.Response)
	if !ok {
		t.Fatalf("not a response: %s", buf[:n])
	}
	// ACK it, as a proxy does, so the server stops retransmitting.
	ack := "ACK sip:cnam@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bK-" + url.QueryEscape(number) + "x\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=t1\r\nTo: <sip:cnam@127.0.0.1>\r\nCall-ID: " + url.QueryEscape(number) + "@test\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
	_, _ = c.Write([]byte(ack))
	return res
}
