package cti_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/provisioning"
	"github.com/pbxagent/pbxagent/provisioning/cti"
	"github.com/pbxagent/pbxagent/testlab/phones"
)

// lab starts vendor's CTI fake on loopback and returns it with a target
// pointing at it.
func lab(t *testing.T, vendor provisioning.Vendor) (*phones.CTIFake, cti.Target) {
	t.Helper()
	fake := phones.NewCTIFake(string(vendor), "admin", "s3cret")
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return fake, cti.Target{MAC: "0015654aa937", Vendor: vendor, Host: u.Host, Username: "admin", Password: "s3cret"}
}

func run(ctx context.Context, d cti.Driver, a cti.Action, arg string) error {
	switch a {
	case cti.Answer:
		return d.Answer(ctx)
	case cti.Hangup:
		return d.Hangup(ctx)
	case cti.Hold:
		return d.Hold(ctx)
	case cti.DTMF:
		return d.DTMF(ctx, arg)
	case cti.Dial:
		return d.Dial(ctx, arg)
	}
	panic(a)
}

// TestDriversPressTheDocumentedKeys drives each vendor's real driver
// against its fake and checks the key the phone saw.
func TestDriversPressTheDocumentedKeys(t *testing.T) {
	for _, tc := range []struct {
		vendor provisioning.Vendor
		action cti.Action
		arg    string
		want   string
	}{
		{vendor: provisioning.Yealink, action: cti.Answer, want: "OK"},
		{vendor: provisioning.Yealink, action: cti.Hangup, want: "CALLEND"},
		{vendor: provisioning.Yealink, action: cti.Hold, want: "F_HOLD"},
		{vendor: provisioning.Fanvil, action: cti.Answer, want: "ANSWER"},
		{vendor: provisioning.Fanvil, action: cti.Hold, want: "F_HOLD"},
		{vendor: provisioning.Snom, action: cti.Answer, want: "ENTER"},
		{vendor: provisioning.Snom, action: cti.Hangup, want: "CANCEL"},
		{vendor: provisioning.Snom, action: cti.Hold, want: "F_HOLD"},
		{vendor: provisioning.Snom, action: cti.DTMF, arg: "12*#", want: "dtmf:12*#"},
		{vendor: provisioning.Snom, action: cti.Dial, arg: "+38733123456", want: "dial:+38733123456"},
		{vendor: provisioning.Cisco, action: cti.Answer, want: "Key:Soft1"},
		{vendor: provisioning.Cisco, action: cti.DTMF, arg: "45#", want: "SendDigits:45#:0"},
		{vendor: provisioning.Cisco, action: cti.Dial, arg: "1001", want: "Dial:1001"},
		{vendor: provisioning.Grandstream, action: cti.Answer, want: "acceptcall"},
		{vendor: provisioning.Grandstream, action: cti.Hangup, want: "endcall"},
		{vendor: provisioning.Grandstream, action: cti.Hold, want: "holdcall"},
	} {
		t.Run(string(tc.vendor)+"/"+string(tc.action), func(t *testing.T) {
			fake, target := lab(t, tc.vendor)
			d, err := cti.New(target)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Capabilities().Has(tc.action) {
				t.Fatalf("capabilities %s lack %s", d.Capabilities(), tc.action)
			}
			if err := run(context.Background(), d, tc.action, tc.arg); err != nil {
				t.Fatal(err)
			}
			if got := fake.Pressed(); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("pressed %q, want [%q]", got, tc.want)
			}
			if m := fake.Mistakes(); len(m) != 0 {
				t.Errorf("malformed requests: %q", m)
			}
		})
	}
}

// TestUnsupportedNeverCalls: an action outside the capabilities fails
// with ErrUnsupported and sends nothing.
func TestUnsupportedNeverCalls(t *testing.T) {
	for _, tc := range []struct {
		vendor provisioning.Vendor
		action cti.Action
	}{
		{vendor: provisioning.Yealink, action: cti.DTMF},
		{vendor: provisioning.Fanvil, action: cti.Hangup},
		{vendor: provisioning.Cisco, action: cti.Hold},
		{vendor: provisioning.Polycom, action: cti.Answer},
	} {
		t.Run(string(tc.vendor)+"/"+string(tc.action), func(t *testing.T) {
			fake, target := lab(t, tc.vendor)
			d, _ := cti.New(target)
			err := run(context.Background(), d, tc.action, "1")
			var ce *cti.Error
			if !errors.Is(err, cti.ErrUnsupported) || !errors.As(err, &ce) || ce.MAC != target.MAC || ce.Vendor != tc.vendor {
				t.Fatalf("err = %v, want ErrUnsupported naming the phone", err)
			}
			if len(fake.Pressed())+len(fake.Mistakes()) != 0 {
				t.Errorf("the phone was called")
			}
		})
	}
	if cti.CapabilitiesOf(provisioning.Polycom) != 0 || cti.CapabilitiesOf("nokia") != 0 {
		t.Error("polycom or an unknown vendor has capabilities")
	}
}

// TestFailureKinds: wrong credentials, a phone that says no, a phone that
// is not there, no address, bad digits: each has its kind, and the
// message names the phone, the vendor and the action but no secret.
func TestFailureKinds(t *testing.T) {
	closed := func() string { // a loopback port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		l.Close()
		return a
	}()
	for _, tc := range []struct {
		name   string
		vendor provisioning.Vendor
		edit   func(*cti.Target, *phones.CTIFake)
		action cti.Action
		arg    string
		want   error
		status int
	}{
		{name: "yealink wrong password", vendor: provisioning.Yealink, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Password = "wrong" }, action: cti.Answer, want: cti.ErrRefused, status: 401},
		{name: "cisco wrong password", vendor: provisioning.Cisco, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Password = "wrong" }, action: cti.Answer, want: cti.ErrRefused, status: 200},
		{name: "grandstream wrong passcode", vendor: provisioning.Grandstream, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Password = "wrong" }, action: cti.Answer, want: cti.ErrRejected, status: 200},
		{name: "snom says no", vendor: provisioning.Snom, edit: func(_ *cti.Target, f *phones.CTIFake) { f.SetReject(true) }, action: cti.Hold, want: cti.ErrRejected, status: 500},
		{name: "cisco says no", vendor: provisioning.Cisco, edit: func(_ *cti.Target, f *phones.CTIFake) { f.SetReject(true) }, action: cti.Dial, arg: "1001", want: cti.ErrRejected, status: 200},
		{name: "grandstream says no", vendor: provisioning.Grandstream, edit: func(_ *cti.Target, f *phones.CTIFake) { f.SetReject(true) }, action: cti.Hold, want: cti.ErrRejected, status: 200},
		{name: "unreachable", vendor: provisioning.Grandstream, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Host = closed }, action: cti.Answer, want: cti.ErrUnreachable},
		{name: "no address", vendor: provisioning.Yealink, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Host = "" }, action: cti.Answer, want: cti.ErrNoAddress},
		{name: "host not an IP", vendor: provisioning.Yealink, edit: func(t *cti.Target, _ *phones.CTIFake) { t.Host = "evil.example/x?" }, action: cti.Answer, want: cti.ErrNoAddress},
		{name: "bad digits", vendor: provisioning.Snom, edit: func(*cti.Target, *phones.CTIFake) {}, action: cti.DTMF, arg: "12a", want: cti.ErrInvalid},
		{name: "plus inside", vendor: provisioning.Snom, edit: func(*cti.Target, *phones.CTIFake) {}, action: cti.Dial, arg: "1+2", want: cti.ErrInvalid},
		{name: "too long", vendor: provisioning.Snom, edit: func(*cti.Target, *phones.CTIFake) {}, action: cti.DTMF, arg: strings.Repeat("1", 33), want: cti.ErrInvalid},
		{name: "cisco dial plus", vendor: provisioning.Cisco, edit: func(*cti.Target, *phones.CTIFake) {}, action: cti.Dial, arg: "+1001", want: cti.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, target := lab(t, tc.vendor)
			tc.edit(&target, fake)
			d, _ := cti.New(target)
			err := run(context.Background(), d, tc.action, tc.arg)
			var ce *cti.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ce) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if ce.Status != tc.status {
				t.Errorf("status %d, want %d", ce.Status, tc.status)
			}
			msg := err.Error()
			for _, w := range []string{target.MAC, string(tc.vendor), string(tc.action)} {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not name %q", msg, w)
				}
			}
			if strings.Contains(msg, "s3cret") || strings.Contains(msg, "wrong") {
				t.Errorf("%q shows a credential", msg)
			}
			if len(fake.Mistakes()) != 0 {
				t.Errorf("malformed requests: %q", fake.Mistakes())
			}
		})
	}
}

// TestTimeoutBounds: a phone that accepts the connection and never
// answers fails as unreachable once the timeout passes, not later.
func TestTimeoutBounds(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	u, _ := url.Parse(srv.URL)
	d, _ := cti.New(cti.Target{MAC: "0015654aa937", Vendor: provisioning.Yealink, Host: u.Host}, cti.WithTimeout(50*time.Millisecond))
	done := make(chan error, 1)
	go func() { done <- d.Answer(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, cti.ErrUnreachable) || !strings.Contains(err.Error(), "no answer within 50ms") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command outlived its timeout")
	}
}

func TestCapsJSONAndParse(t *testing.T) {
	b, err := cti.CapabilitiesOf(provisioning.Yealink).MarshalJSON()
	if err != nil || string(b) != `["answer","hangup","hold"]` {
		t.Fatalf("%s %v", b, err)
	}
	if b, _ := cti.Caps(0).MarshalJSON(); string(b) != `[]` {
		t.Fatalf("empty caps: %s", b)
	}
	if a, ok := cti.ParseAction(" DTMF "); !ok || a != cti.DTMF {
		t.Fatal("ParseAction DTMF")
	}
	if _, ok := cti.ParseAction("transfer"); ok {
		t.Fatal("ParseAction accepted transfer")
	}
}

// TestDigest: a phone asking for Digest (Cisco MPP with Remote Credential,
// Snom with its authentication scheme on) gets a second request with a
// Digest answer; a wrong password still ends as refused.
func TestDigest(t *testing.T) {
	for _, tc := range []struct {
		vendor   provisioning.Vendor
		password string
		want     error
		pressed  []string
	}{
		{vendor: provisioning.Cisco, password: "s3cret", pressed: []string{"Key:Soft1"}},
		{vendor: provisioning.Snom, password: "s3cret", pressed: []string{"ENTER"}},
		{vendor: provisioning.Yealink, password: "s3cret", pressed: []string{"OK"}},
		{vendor: provisioning.Cisco, password: "wrong", want: cti.ErrRefused},
		{vendor: provisioning.Snom, password: "wrong", want: cti.ErrRefused},
	} {
		t.Run(string(tc.vendor)+"/"+tc.password, func(t *testing.T) {
			fake, target := lab(t, tc.vendor)
			fake.SetDigest("phone")
			target.Password = tc.password
			d, _ := cti.New(target)
			err := d.Answer(context.Background())
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := fake.Pressed(); !slices.Equal(got, tc.pressed) {
				t.Errorf("pressed %q, want %q", got, tc.pressed)
			}
		})
	}
}
