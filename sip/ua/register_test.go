package ua

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func passwords(m map[string]string) func(string) (string, bool) {
	return func(u string) (string, bool) { p, ok := m[u]; return p, ok }
}

// TestRegisterRefreshAndUnregister registers through a digest challenge,
// refreshes at half the granted lifetime on the virtual clock (the nonce
// having gone stale meanwhile), and unregisters on stop.
func TestRegisterRefreshAndUnregister(t *testing.T) {
	v := clock.NewVirtual(regStart)
	reg := NewRegistrar(RegistrarConfig{Realm: "pbxagent", Password: passwords(map[string]string{"alice": "s3cret"}),
		MinExpires: 60 * time.Second, NonceLifetime: 30 * time.Second, Clock: v})
	server := newRegPeer(t, Config{Registrar: reg, Clock: v}, "")
	phone := newRegPeer(t, Config{Clock: v}, "")

	changes, stop := runRegister(t, phone.a, Registration{
		Registrar: server.uri(""), AOR: server.uri("alice"), Username: "alice", Password: "s3cret",
		Expires: 120 * time.Second,
	})

	first := server.next(t)
	if first.req.GetHeader("Authorization") != nil {
		t.Fatal("the first REGISTER carried credentials before any challenge")
	}
	auth := server.next(t)
	if auth.req.GetHeader("Authorization") == nil {
		t.Fatal("the REGISTER after the 401 has no Authorization")
	}
	if c := recvChange(t, changes); !c.up || c.err != nil {
		t.Fatalf("OnChange(%v, %v), want (true, nil)", c.up, c.err)
	}
	if got, ok := reg.Lookup("alice"); !ok || got != phone.a.contact.Address.String() {
		t.Fatalf("Lookup(alice) = %q, %v; want %q", got, ok, phone.a.contact.Address.String())
	}
	if got := auth.req.Recipient.User; got != "" {
		t.Errorf("Request-URI has user %q; RFC 3261 section 10.2 wants none", got)
	}
	if to, from := auth.req.To().Address.String(), auth.req.From().Address.String(); to != server.uri("alice") || from != to {
		t.Errorf("To %q From %q, want both the AOR %q", to, from, server.uri("alice"))
	}

	// The refresh is due at half of the granted 120 s.
	waitPending(t, v, 1)
	if at, _ := v.NextAt(); !at.Equal(regStart.Add(60 * time.Second)) {
		t.Fatalf("refresh scheduled at +%v, want +60s", at.Sub(regStart))
	}
	v.Advance(60 * time.Second)
	stale := server.next(t) // answers the cached challenge, whose nonce is now 60 s old
	if stale.at != regStart.Add(60*time.Second) {
		t.Fatalf("refresh seen at +%v, want +60s", stale.at.Sub(regStart))
	}
	fresh := server.next(t) // answers the stale=true challenge
	waitPending(t, v, 1)
	if at, _ := v.NextAt(); !at.Equal(regStart.Add(120 * time.Second)) {
		t.Fatalf("second refresh scheduled at +%v, want +120s", at.Sub(regStart))
	}
	for i, s := range []seenRequest{first, auth, stale, fresh} {
		if got, want := s.req.CallID().Value(), first.req.CallID().Value(); got != want {
			t.Errorf("REGISTER %d Call-ID %q, want the first's %q (RFC 3261 section 10.2.4)", i, got, want)
		}
		if i > 0 {
			prev := []seenRequest{first, auth, stale, fresh}[i-1]
			if s.req.CSeq().SeqNo <= prev.req.CSeq().SeqNo {
				t.Errorf("REGISTER %d CSeq %d not above %d", i, s.req.CSeq().SeqNo, prev.req.CSeq().SeqNo)
			}
		}
	}
	// The binding lives past its first lifetime thanks to the refresh.
	v.AdvanceTo(regStart.Add(119 * time.Second))
	if _, ok := reg.Lookup("alice"); !ok {
		t.Fatal("binding gone at +119s despite the refresh at +60s")
	}
	select {
	case c := <-changes:
		t.Fatalf("OnChange(%v, %v) during refreshes", c.up, c.err)
	default:
	}

	if err := stop(); err != nil {
		t.Fatalf("Register returned %v, want nil", err)
	}
	var unreg seenRequest
	for {
		unreg = server.next(t)
		if e := unreg.req.GetHeader("Expires"); e != nil && e.Value() == "0" && unreg.req.GetHeader("Authorization") != nil {
			break
		}
	}
	if c := recvChange(t, changes); c.up || c.err != nil {
		t.Fatalf("OnChange(%v, %v) after stop, want (false, nil)", c.up, c.err)
	}
	if got, ok := reg.Lookup("alice"); ok {
		t.Fatalf("Lookup(alice) = %q after unregistration", got)
	}
}

// TestRegisterOutcomes covers the first registration's outcomes: granted
// lifetimes (asked, capped, raised by 423) and failures.
func TestRegisterOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		registrar  RegistrarConfig
		reg        Registration
		creds      func(string) (string, string, bool)
		wantUp     bool
		wantErr    error  // errors.Is
		wantErrSub string // in the error's text
		wantExpiry time.Duration
	}{
		{
			name:       "granted as asked",
			registrar:  RegistrarConfig{MinExpires: 60 * time.Second},
			reg:        Registration{Username: "alice", Password: "s3cret", Expires: 600 * time.Second},
			wantUp:     true,
			wantExpiry: 600 * time.Second,
		},
		{
			name:       "capped by MaxExpires",
			registrar:  RegistrarConfig{MaxExpires: 300 * time.Second},
			reg:        Registration{Username: "alice", Password: "s3cret", Expires: 3600 * time.Second},
			wantUp:     true,
			wantExpiry: 300 * time.Second,
		},
		{
			name:       "423 raises the lifetime to Min-Expires",
			registrar:  RegistrarConfig{MinExpires: 300 * time.Second},
			reg:        Registration{Username: "alice", Password: "s3cret", Expires: 60 * time.Second},
			wantUp:     true,
			wantExpiry: 300 * time.Second,
		},
		{
			name:       "credentials from Config.Credentials by realm",
			registrar:  RegistrarConfig{Realm: "acme"},
			reg:        Registration{Expires: 600 * time.Second},
			creds:      func(realm string) (string, string, bool) { return "alice", "s3cret", realm == "acme" },
			wantUp:     true,
			wantExpiry: 600 * time.Second,
		},
		{
			name:       "wrong password",
			reg:        Registration{Username: "alice", Password: "wrong"},
			wantErr:    ErrAuthRejected,
			wantErrSub: `as "alice": 401`,
		},
		{
			name:    "unknown user answered like a wrong password",
			reg:     Registration{Username: "mallory", Password: "x"},
			wantErr: ErrAuthRejected,
		},
		{
			name:    "no credentials for the realm",
			reg:     Registration{},
			wantErr: ErrNoCredentials,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := clock.NewVirtual(regStart)
			rc := tc.registrar
			rc.Password = passwords(map[string]string{"alice": "s3cret"})
			rc.Clock = v
			registrar := NewRegistrar(rc)
			server := newRegPeer(t, Config{Registrar: registrar, Clock: v}, "")
			phone := newRegPeer(t, Config{Clock: v, Credentials: tc.creds}, "")
			reg := tc.reg
			reg.Registrar = server.uri("")
			user := reg.Username
			if user == "" {
				user = "alice"
			}
			reg.AOR = server.uri(user)
			changes, stop := runRegister(t, phone.a, reg)
			c := recvChange(t, changes)
			if c.up != tc.wantUp {
				t.Fatalf("OnChange(%v, %v), want up=%v", c.up, c.err, tc.wantUp)
			}
			if tc.wantErr != nil && !errors.Is(c.err, tc.wantErr) {
				t.Fatalf("OnChange error %v, want one wrapping %v", c.err, tc.wantErr)
			}
			if tc.wantErrSub != "" && (c.err == nil || !strings.Contains(c.err.Error(), tc.wantErrSub)) {
				t.Fatalf("OnChange error %v, want it to contain %q", c.err, tc.wantErrSub)
			}
			waitPending(t, v, 1)
			at, _ := v.NextAt()
			if tc.wantUp {
				if got := at.Sub(regStart); got != tc.wantExpiry/2 {
					t.Fatalf("refresh in %v, want %v (half of %v)", got, tc.wantExpiry/2, tc.wantExpiry)
				}
				bs := registrar.Bindings(user)
				if len(bs) != 1 || !bs[0].Expires.Equal(regStart.Add(tc.wantExpiry)) {
					t.Fatalf("bindings %+v, want one expiring at +%v", bs, tc.wantExpiry)
				}
			} else {
				if got := at.Sub(regStart); got != DefaultRetryMin {
					t.Fatalf("retry in %v, want %v", got, DefaultRetryMin)
				}
				// The retry fails alike, with no second OnChange, and backs off.
				v.Advance(DefaultRetryMin)
				waitPending(t, v, 1)
				if at, _ := v.NextAt(); at.Sub(regStart) != 3*DefaultRetryMin {
					t.Fatalf("second retry at +%v, want +%v (the wait doubled)", at.Sub(regStart), 3*DefaultRetryMin)
				}
				select {
				case c := <-changes:
					t.Fatalf("second OnChange(%v, %v) while still failing", c.up, c.err)
				default:
				}
				if _, ok := registrar.Lookup(user); ok {
					t.Fatal("a refused registration left a binding")
				}
			}
			if err := stop(); err != nil {
				t.Fatalf("Register returned %v", err)
			}
		})
	}
}

// TestRegisterRecoversAfterFailure: a registrar answering 503 at first
// is retried with backoff; the registration comes up once it accepts.
func TestRegisterRecoversAfterFailure(t *testing.T) {
	v := clock.NewVirtual(regStart)
	registrar := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"alice": "s3cret"}), Clock: v})
	server := newRegPeer(t, Config{Registrar: registrar, Clock: v}, "")
	server.refuse.Store(sip.StatusServiceUnavailable)
	phone := newRegPeer(t, Config{Clock: v}, "")
	changes, stop := runRegister(t, phone.a, Registration{
		Registrar: server.uri(""), AOR: server.uri("alice"), Username: "alice", Password: "s3cret",
		RetryMin: 10 * time.Second, RetryMax: 15 * time.Second,
	})
	c := recvChange(t, changes)
	var re *RegisterError
	if c.up || !errors.As(c.err, &re) || re.Status != 503 {
		t.Fatalf("OnChange(%v, %v), want (false, a *RegisterError 503)", c.up, c.err)
	}
	for _, want := range []time.Duration{10 * time.Second, 15 * time.Second, 15 * time.Second} {
		waitPending(t, v, 1)
		at, _ := v.NextAt()
		if got := at.Sub(v.Now()); got != want {
			t.Fatalf("retry in %v, want %v", got, want)
		}
		v.Advance(want)
		server.next(t)
	}
	server.refuse.Store(0)
	waitPending(t, v, 1)
	v.Advance(15 * time.Second)
	if c := recvChange(t, changes); !c.up || c.err != nil {
		t.Fatalf("OnChange(%v, %v) once the registrar accepts, want (true, nil)", c.up, c.err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
