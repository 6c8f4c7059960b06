package phones

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Profile is how one phone model talks HTTP: its User-Agent and the extra
// headers it sends (Cisco's x-CiscoIPPhoneModelName, x-CiscoIPPhoneDisplay,
// x-CiscoIPPhoneSDKVersion and Accept: Cisco OL-20949-01 ch. 6,
// https://manualsdump.com/en/manuals/cisco_systems-ol-20949-01/257218/75;
// Accept-Charset of old and new Cisco models: Cisco OL-18696-01,
// https://www.manualslib.com/manual/796620/Cisco-Ol-18696-01.html?page=68).
type Profile struct {
	// Name is a label for test output.
	Name string
	// Vendor is the pbxagent vendor name.
	Vendor string
	// UserAgent is sent on every request.
	UserAgent string
	// Header holds the other headers the model sends.
	Header http.Header
}

// Phone profiles. The User-Agent strings are those public provisioning
// servers record: Yealink T46G, Polycom VVX 400 and Fanvil X4 in
// github.com/wazo-platform/wazo-provd-plugins
// (plugins/wazo_<vendor>/common/common.py); Yealink T56A, Grandstream
// GXP2135 and Snom D785 in github.com/fusionpbx/fusionpbx
// (app/provision/index.php). The Cisco XML-service User-Agent
// (Allegro-Software-WebClient/…) is the commonly quoted form; no public
// source was found for it, nor for the CP-8841 header values, which are
// illustrative.
var (
	YealinkT46G = Profile{Name: "Yealink T46G", Vendor: "yealink",
		UserAgent: "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"}
	YealinkT56A = Profile{Name: "Yealink T56A", Vendor: "yealink",
		UserAgent: "Yealink SIP-T56A  58.80.0.25 001565f429a4"}
	// Cisco7960 is an old 79xx: Latin-1 preferred, UTF-8 accepted.
	Cisco7960 = Profile{Name: "Cisco CP-7960G", Vendor: "cisco", UserAgent: "Allegro-Software-WebClient/4.34",
		Header: http.Header{
			"X-Ciscoipphonemodelname":  {"CP-7960G"},
			"X-Ciscoipphonedisplay":    {"133, 65, 2, G"},
			"X-Ciscoipphonesdkversion": {"3.0.1"},
			"Accept":                   {"x-CiscoIPPhone/*;version=3.0, text/*"},
			"Accept-Charset":           {"iso-8859-1, utf-8;q=0.8"},
			"Accept-Language":          {"en-US"},
		}}
	// Cisco8841 is a newer model that asks for UTF-8.
	Cisco8841 = Profile{Name: "Cisco CP-8841", Vendor: "cisco", UserAgent: "Allegro-Software-WebClient/5.40b1",
		Header: http.Header{
			"X-Ciscoipphonemodelname":  {"CP-8841"},
			"X-Ciscoipphonedisplay":    {"800, 480, 24, C"},
			"X-Ciscoipphonesdkversion": {"11.0.1"},
			"Accept":                   {"x-CiscoIPPhone/*;version=11.0, text/*"},
			"Accept-Charset":           {"utf-8"},
			"Accept-Language":          {"en-US"},
		}}
	PolycomVVX400 = Profile{Name: "Polycom VVX 400", Vendor: "polycom",
		UserAgent: "FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application"}
	GrandstreamGXP2135 = Profile{Name: "Grandstream GXP2135", Vendor: "grandstream",
		UserAgent: "Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872"}
	SnomD785 = Profile{Name: "Snom D785", Vendor: "snom",
		UserAgent: "Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) 00041396D9B4 SXM:0 UXM:0 UXMC:0)"}
	FanvilX4 = Profile{Name: "Fanvil X4", Vendor: "fanvil", UserAgent: "Fanvil X4 2.10.2.6887 0c383e07e16c"}
)

// Profiles lists every profile.
var Profiles = []Profile{YealinkT46G, YealinkT56A, Cisco7960, Cisco8841, PolycomVVX400, GrandstreamGXP2135, SnomD785, FanvilX4}

// Client fetches from a pbxagent as a phone of its Profile.
type Client struct {
	Profile
	// Base is the server's base URL, e.g. "http://127.0.0.1:8080".
	Base string
	// HTTP is the client used; http.DefaultClient when nil.
	HTTP *http.Client
	// Username and Password, when set, answer Basic (Digest when
	// UseDigest) challenges.
	Username, Password string
	UseDigest          bool
}

// Response is a checked answer.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Charset string // from Content-Type, lower case
	Root    string // root element name ("" when not XML)
}

// Get fetches path (with query) and checks the answer: status 200, a
// text/* content type with a charset that the profile accepts and that
// matches the XML declaration, no BOM, well-formed XML. It returns the
// response even when a check fails, with the error.
func (c *Client) Get(ctx context.Context, path string) (*Response, error) {
	return c.do(ctx, path, nil)
}

func (c *Client) do(ctx context.Context, path string, auth *string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.UserAgent)
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if auth != nil {
		req.Header.Set("Authorization", *auth)
	} else if c.Username != "" && !c.UseDigest {
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && c.UseDigest && auth == nil && c.Username != "" {
		for _, ch := range resp.Header.Values("WWW-Authenticate") {
			if strings.HasPrefix(ch, "Digest ") {
				a := digestAnswer(ch, req.Method, req.URL.RequestURI(), c.Username, c.Password)
				return c.do(ctx, path, &a)
			}
		}
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("%s GET %s: status %d", c.Name, path, resp.StatusCode)
	}
	return r, c.check(r)
}

func (c *Client) check(r *Response) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("%s: content type %q: %w", c.Name, r.Header.Get("Content-Type"), err)
	}
	r.Charset = strings.ToLower(params["charset"])
	if r.Charset == "" {
		return fmt.Errorf("%s: content type %q has no charset", c.Name, mt)
	}
	if ac := c.Header.Get("Accept-Charset"); ac != "" && !strings.Contains(strings.ToLower(ac), r.Charset) {
		return fmt.Errorf("%s: charset %s not in Accept-Charset %q", c.Name, r.Charset, ac)
	}
	if bytes.HasPrefix(r.Body, []byte{0xEF, 0xBB, 0xBF}) {
		return fmt.Errorf("%s: body starts with a BOM", c.Name)
	}
	switch mt {
	case "text/xml", "application/xml", "text/html":
	case "text/plain":
		return nil // Yealink .cfg
	default:
		return fmt.Errorf("%s: content type %s", c.Name, mt)
	}
	if c.Vendor == "cisco" && mt != "text/xml" {
		return fmt.Errorf("%s: Cisco needs text/xml, got %s", c.Name, mt)
	}
	decl := declaredEncoding(r.Body)
	if !strings.EqualFold(decl, r.Charset) {
		return fmt.Errorf("%s: XML declaration says %q, Content-Type %q", c.Name, decl, r.Charset)
	}
	root, err := wellFormed(r.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	r.Root = root
	return nil
}

// declaredEncoding returns the encoding of the XML declaration.
func declaredEncoding(b []byte) string {
	if !bytes.HasPrefix(b, []byte("<?xml ")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(b[:end])
	_, rest, ok := strings.Cut(decl, `encoding="`)
	if !ok {
		return ""
	}
	enc, _, _ := strings.Cut(rest, `"`)
	return enc
}

// NewDecoder returns an XML decoder for b that understands ISO-8859-1.
func NewDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "iso-8859-1", "latin1":
			data, err := io.ReadAll(in)
			if err != nil {
				return nil, err
			}
			var sb strings.Builder
			for _, c := range data {
				sb.WriteRune(rune(c))
			}
			return strings.NewReader(sb.String()), nil
		}
		return nil, fmt.Errorf("charset %s not supported", label)
	}
	return d
}

// wellFormed reads every token and returns the root element's name.
func wellFormed(b []byte) (string, error) {
	d := NewDecoder(b)
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == "" {
				return "", fmt.Errorf("no root element")
			}
			return root, nil
		}
		if err != nil {
			return "", fmt.Errorf("not well-formed: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

// Decode checks the root element is want and unmarshals the body into v.
func (r *Response) Decode(want string, v any) error {
	if r.Root != want {
		return fmt.Errorf("root element %q, want %q", r.Root, want)
	}
	if err := NewDecoder(r.Body).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", want, err)
	}
	return nil
}

// digestAnswer computes an RFC 7616 MD5 qop=auth Authorization header.
func digestAnswer(challenge, method, uri, user, pass string) string {
	p := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(challenge, "Digest "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			p[strings.ToLower(k)] = strings.Trim(v, `"`)
		}
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	cb := make([]byte, 8)
	rand.Read(cb)
	cnonce := hex.EncodeToString(cb)
	ha1 := h(user + ":" + p["realm"] + ":" + pass)
	ha2 := h(method + ":" + uri)
	resp := h(ha1 + ":" + p["nonce"] + ":00000001:" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=00000001, cnonce="%s", response="%s", algorithm=MD5`,
		user, p["realm"], p["nonce"], uri, cnonce, resp)
}

// WithToken appends token=... to a path.
func WithToken(path, token string) string {
	if token == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "token=" + url.QueryEscape(token)
}
