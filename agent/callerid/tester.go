package callerid

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/phonebook"
	pbxsip "github.com/pbxagent/pbxagent/sip"
)

// The caller-ID tester answers "what would each path say for this
// number?" for an administrator by running each path's own code on a
// made-up request: the /cid handler on an HTTP request from an allowed
// address, a FastAGI session over an in-memory connection with the agi_*
// block Asterisk sends, and the SIP redirect server's response to an
// INVITE from the number. Nothing here decides a name: what it reports
// is what those paths answered, with the configured deadline, overwrite
// policy and CNAM settings. Its lookups are counted in the metrics like
// any other.

// MaxCandidates bounds the contacts listed for an ambiguous number.
const MaxCandidates = 20

// SIPResponder builds the SIP redirect server's response to a request;
// *sip.RedirectServer satisfies it.
type SIPResponder interface {
	Respond(ctx context.Context, req *sipmsg.Request) *sipmsg.Response
}

// CandidateFinder lists the contacts an ambiguous lookup of number found
// (at most limit).
type CandidateFinder func(ctx context.Context, number string, limit int) ([]Candidate, error)

// TesterConfig is what the tester needs to know of the daemon's paths.
type TesterConfig struct {
	// AGIAddr is the FastAGI listen address ("" when agi.addr is empty:
	// the path is off).
	AGIAddr string
	// SIP answers as the SIP redirect server (nil when sip_redirect.addr
	// is empty: the path is off).
	SIP SIPResponder
	// Candidates lists the contacts of an ambiguous number (nil: none are
	// listed).
	Candidates CandidateFinder
}

// Tester runs the caller-ID tester (see above).
type Tester struct {
	svc *Service
	cfg TesterConfig
}

// NewTester returns the tester of the service's paths.
func (s *Service) NewTester(cfg TesterConfig) *Tester { return &Tester{svc: s, cfg: cfg} }

// TestResult is what each path answers for a number.
type TestResult struct {
	// Number is the number tested, as given.
	Number string `json:"number" doc:"The number tested, as given" example:"+38761111111"`
	// Normalized is the number in E.164 form, when it could be normalised.
	Normalized string `json:"normalized,omitempty" doc:"The number in E.164 form, when it could be normalised" example:"+38761111111"`
	// Match is how the directory matched the number: exact, extension,
	// e164, national, none, ambiguous, skipped (a withheld or empty
	// number), or timeout or error.
	Match phonebook.MatchKind `json:"match" doc:"How the directory matched the number: exact, extension, e164, national, none, ambiguous, skipped, timeout or error" example:"exact"`
	// Name is the matched contact's name (cleaned as every path cleans it).
	Name string `json:"name,omitempty" doc:"The matched contact's name, cleaned as every path cleans it" example:"Amra Hodžić"`
	// ContactID and Source name the matched contact.
	ContactID string `json:"contact_id,omitempty" doc:"The matched contact's id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Source    string `json:"source,omitempty" doc:"The matched contact's source" example:"local"`
	// Candidates are the contacts an ambiguous number matches (at most 20).
	Candidates []Candidate `json:"candidates,omitempty" doc:"The contacts an ambiguous number matches (at most 20)"`
	// Overwrite is the policy the FastAGI path applies (callerid.overwrite).
	Overwrite string `json:"overwrite" doc:"The policy the FastAGI path applies (callerid.overwrite)" example:"unknown"`
	// DeadlineMS is the lookup deadline every path applies (callerid.deadline).
	DeadlineMS float64 `json:"deadline_ms" doc:"The lookup deadline every path applies, in milliseconds (callerid.deadline)" example:"50"`
	// HTTP, AGI and SIP are each path's answer.
	HTTP HTTPAnswer `json:"http" doc:"What Asterisk's CURL() of /cid reads"`
	AGI  AGIAnswer  `json:"agi" doc:"What a FastAGI session does"`
	SIP  SIPAnswer  `json:"sip" doc:"What the SIP redirect server answers"`
}

// Candidate is one contact of an ambiguous number.
type Candidate struct {
	ID          string `json:"id" doc:"The contact's id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	DisplayName string `json:"display_name" doc:"The contact's name" example:"Amra Hodžić"`
	Source      string `json:"source,omitempty" doc:"The contact's source" example:"local"`
}

// HTTPAnswer is what Asterisk's CURL() of /cid reads.
type HTTPAnswer struct {
	// Enabled is false when no client may call /cid (callerid.allow empty
	// and no callerid.token); Note then says why.
	Enabled bool   `json:"enabled" doc:"False when no client may call /cid (callerid.allow empty and no callerid.token)" example:"true"`
	Note    string `json:"note,omitempty" doc:"Why the path is off" example:"/cid is open to no one: set callerid.allow or callerid.token"`
	// Request is the request made (path and query, no token).
	Request string `json:"request,omitempty" doc:"The request made (path and query, no token)" example:"/cid?number=%2B38761111111"`
	// Status is the HTTP status (always 200 for a lookup).
	Status int `json:"status,omitempty" doc:"The HTTP status (always 200 for a lookup)" example:"200"`
	// Body is what CURL() returns: the name, or nothing.
	Body string `json:"body" doc:"What CURL() returns: the name, or nothing" example:"Amra Hodžić"`
	// Match is the X-Pbxagent-Match header.
	Match string `json:"match,omitempty" doc:"The X-Pbxagent-Match header" example:"exact"`
}

// AGIAnswer is what a FastAGI session (agi://host/cid) does.
type AGIAnswer struct {
	// Enabled is false when agi.addr is empty; Note then says so.
	Enabled bool   `json:"enabled" doc:"False when agi.addr is empty" example:"true"`
	Note    string `json:"note,omitempty" doc:"Why the path is off" example:"agi.addr is empty: FastAGI is off"`
	// Script is the AGI() argument that reaches this server.
	Script string `json:"script,omitempty" doc:"The AGI() argument that reaches this server" example:"agi://127.0.0.1:4573/cid"`
	// CurrentName is the caller name the call carried (agi_calleridname).
	CurrentName string `json:"current_name" doc:"The caller name the call carried (agi_calleridname)" example:"unknown"`
	// Commands are the commands the server sent, in order.
	Commands []string `json:"commands" doc:"The commands the server sent, in order" example:"[\"SET VARIABLE CALLERID(name) \\\"Amra Hodžić\\\"\"]"`
	// Variables are the channel variables those commands set.
	Variables []AGIVariable `json:"variables" doc:"The channel variables those commands set"`
}

// AGIVariable is one channel variable a FastAGI session sets.
type AGIVariable struct {
	Name  string `json:"name" doc:"The channel variable" example:"CALLERID(name)"`
	Value string `json:"value" doc:"Its value" example:"Amra Hodžić"`
}

// SIPAnswer is the SIP redirect server's response to an INVITE from the number.
type SIPAnswer struct {
	// Enabled is false when sip_redirect.addr is empty; Note then says so.
	Enabled bool   `json:"enabled" doc:"False when sip_redirect.addr is empty" example:"true"`
	Note    string `json:"note,omitempty" doc:"Why the path is off" example:"sip_redirect.addr is empty: the SIP redirect is off"`
	// Status and Reason are the response's (302, or 404 on a miss unless
	// sip_redirect.miss_status is 302).
	Status int    `json:"status,omitempty" doc:"The response's status (302, or 404 on a miss unless sip_redirect.miss_status is 302)" example:"302"`
	Reason string `json:"reason,omitempty" doc:"The response's reason phrase" example:"Moved Temporarily"`
	// Contact is the Contact header; DisplayName its display name.
	Contact     string `json:"contact,omitempty" doc:"The Contact header" example:"\"Amra Hodžić\" <sip:+38761111111@127.0.0.1>"`
	DisplayName string `json:"display_name,omitempty" doc:"The Contact's display name" example:"Amra Hodžić"`
	// PAssertedIdentity is the P-Asserted-Identity header.
	PAssertedIdentity string `json:"p_asserted_identity,omitempty" doc:"The P-Asserted-Identity header" example:"\"Amra Hodžić\" <sip:+38761111111@127.0.0.1>"`
	// Match is the X-CNAM-Match header.
	Match string `json:"match,omitempty" doc:"The X-CNAM-Match header" example:"exact"`
}

// CheckTestNumber checks a number given to the tester as every path does
// (at most 64 bytes of UTF-8, no control characters).
func CheckTestNumber(n string) error {
	switch {
	case n == "":
		return fmt.Errorf("required")
	case len(n) > maxNumberLen:
		return fmt.Errorf("at most %d bytes", maxNumberLen)
	case !utf8.ValidString(n) || hasControl(n):
		return fmt.Errorf("must be text without control characters")
	}
	return nil
}

// Test runs every path for number; currentName is the caller name the
// call already carries (FastAGI's overwrite policy decides on it; empty
// is what Asterisk reports as "unknown").
func (t *Tester) Test(ctx context.Context, number, currentName string) (TestResult, error) {
	if err := CheckTestNumber(number); err != nil {
		return TestResult{}, fmt.Errorf("number: %w", err)
	}
	s := t.svc
	res := s.resolve(ctx, ProtoHTTP, number, PresentationUnknown)
	out := TestResult{Number: number, Normalized: res.E164, Match: res.Match, Name: res.Name, ContactID: res.ContactID,
		Source: res.Source, Overwrite: s.policy.String(), DeadlineMS: float64(s.timeout) / float64(time.Millisecond)}
	if res.Match == phonebook.MatchAmbiguous && t.cfg.Candidates != nil {
		cs, err := t.cfg.Candidates(ctx, number, MaxCandidates)
		if err != nil {
			return out, fmt.Errorf("candidates: %w", err)
		}
		out.Candidates = cs
	}
	out.HTTP = t.testHTTP(ctx, number)
	var err error
	if out.AGI, err = t.testAGI(ctx, number, currentName); err != nil {
		return out, err
	}
	out.SIP, err = t.testSIP(ctx, number)
	return out, err
}

// testHTTP calls the /cid handler as an allowed client would.
func (t *Tester) testHTTP(ctx context.Context, number string) HTTPAnswer {
	s := t.svc
	target := "/cid?number=" + url.QueryEscape(number)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	switch {
	case len(s.allow) > 0:
		req.RemoteAddr = netip.AddrPortFrom(s.allow[0].Addr(), 40000).String()
	case s.token != "":
		req.Header.Set("X-Pbxagent-Token", s.token)
	default:
		return HTTPAnswer{Note: "no client may call /cid: callerid.allow is empty and callerid.token is not set"}
	}
	rec := httptest.NewRecorder()
	s.HTTPHandler().ServeHTTP(rec, req)
	return HTTPAnswer{Enabled: true, Request: "GET " + target, Status: rec.Code, Body: rec.Body.String(),
		Match: rec.Header().Get("X-Pbxagent-Match")}
}

// testAGI runs one FastAGI session, the server's own, over an in-memory
// connection, answering its commands as a live channel does.
func (t *Tester) testAGI(ctx context.Context, number, currentName string) (AGIAnswer, error) {
	if t.cfg.AGIAddr == "" {
		return AGIAnswer{Note: "FastAGI is off: agi.addr is empty"}, nil
	}
	shown := currentName
	if strings.TrimSpace(shown) == "" {
		shown = "unknown" // what Asterisk sends for a call without a name
	}
	out := AGIAnswer{Enabled: true, Script: "agi://" + t.cfg.AGIAddr + "/cid", CurrentName: shown,
		Commands: []string{}, Variables: []AGIVariable{}}
	srv, cli := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.svc.ServeAGIConn(ctx, srv)
	}()
	defer func() {
		_ = cli.Close()
		<-done
	}()
	_ = cli.SetDeadline(time.Now().Add(t.svc.timeout + time.Second))
	env := strings.Join([]string{
		"agi_network: yes", "agi_network_script: cid", "agi_request: " + out.Script,
		"agi_channel: PJSIP/pbxagent-test-00000001", "agi_language: en", "agi_type: PJSIP",
		"agi_uniqueid: 0.1", "agi_version: 22.0.0", "agi_callerid: " + number, "agi_calleridname: " + oneLine(shown),
		"agi_callingpres: 0", "agi_callingani2: 0", "agi_callington: 0", "agi_callingtns: 0",
		"agi_dnid: unknown", "agi_rdnis: unknown", "agi_context: from-trunk", "agi_extension: s",
		"agi_priority: 1", "agi_enhanced: 0.0", "agi_accountcode: ", "agi_threadid: 1",
	}, "\n") + "\n\n"
	br := bufio.NewReader(cli)
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(cli, env)
		werr <- err
	}()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF || len(out.Commands) > 0 {
				break
			}
			return out, fmt.Errorf("fastagi session: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		out.Commands = append(out.Commands, line)
		if name, value, ok := parseSetVariable(line); ok {
			out.Variables = append(out.Variables, AGIVariable{Name: name, Value: value})
		}
		if _, err := io.WriteString(cli, "200 result=1\n"); err != nil {
			break
		}
	}
	if err := <-werr; err != nil && len(out.Commands) == 0 {
		return out, fmt.Errorf("fastagi session: %w", err)
	}
	return out, nil
}

// parseSetVariable reads `SET VARIABLE NAME VALUE`, the value quoted as
// AGIQuote quotes it or bare.
func parseSetVariable(line string) (name, value string, ok bool) {
	rest, ok := strings.CutPrefix(line, "SET VARIABLE ")
	if !ok {
		return "", "", false
	}
	name, value, _ = strings.Cut(rest, " ")
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(value)-1; i++ {
			if value[i] == '\\' && i+1 < len(value)-1 {
				i++
			}
			b.WriteByte(value[i])
		}
		value = b.String()
	}
	return name, value, true
}

// oneLine keeps a value on one agi_ line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// testSIP asks the redirect server to answer an INVITE from number, as a
// proxy's CNAM dip sends it.
func (t *Tester) testSIP(ctx context.Context, number string) (SIPAnswer, error) {
	if t.cfg.SIP == nil {
		return SIPAnswer{Note: "the SIP redirect server is off: sip_redirect.addr is empty"}, nil
	}
	raw := "INVITE sip:cnam@pbxagent.invalid SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-pbxagent-test\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:" + sipUser(number) + "@pbxagent.invalid>;tag=pbxagent-test\r\n" +
		"To: <sip:cnam@pbxagent.invalid>\r\n" +
		"Call-ID: pbxagent-test@127.0.0.1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Content-Length: 0\r\n\r\n"
	msg, err := sipmsg.ParseMessage([]byte(raw))
	if err != nil {
		return SIPAnswer{}, fmt.Errorf("sip test request: %w", err)
	}
	req, ok := msg.(*sipmsg.Request)
	if !ok {
		return SIPAnswer{}, fmt.Errorf("sip test request: not a request")
	}
	res := t.cfg.SIP.Respond(ctx, req)
	if res == nil {
		return SIPAnswer{Enabled: true, Note: "no response"}, nil
	}
	out := SIPAnswer{Enabled: true, Status: res.StatusCode, Reason: res.Reason}
	if h := res.GetHeader("Contact"); h != nil {
		out.Contact = h.Value()
		out.DisplayName = displayName(out.Contact)
	}
	if h := res.GetHeader("P-Asserted-Identity"); h != nil {
		out.PAssertedIdentity = h.Value()
	}
	if h := res.GetHeader("X-CNAM-Match"); h != nil {
		out.Match = h.Value()
	}
	return out, nil
}

// sipUser escapes a number for the user part of a SIP URI (RFC 3261
// §25.1: unreserved and user-unreserved characters stay).
func sipUser(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// displayName is the quoted display name of a name-addr ("" when none).
func displayName(v string) string {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, `"`) {
		return ""
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

var _ SIPResponder = (*pbxsip.RedirectServer)(nil)
