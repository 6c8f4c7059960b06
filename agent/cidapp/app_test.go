package cidapp

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

type dir map[string]string

func (d dir) Lookup(ctx context.Context, number string) (phonebook.LookupResult, error) {
	if n, ok := d[number]; ok {
		return phonebook.LookupResult{Name: n, Match: phonebook.MatchE164, ContactID: "c1"}, nil
	}
	return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
}

const app = "pbxagent-cid"

func start(t *testing.T, fake *fakeari.Server, url string) {
	t.Helper()
	svc, err := callerid.New(dir{"+38761111111": "Ana Đurić", "+38733000000": "Reception"}, callerid.WithTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ari.New(url, ari.WithApps(app), ari.WithAuth("U", "P"), ari.WithBackoff(20*time.Millisecond, 100*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	a := New(conn, app, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if err := conn.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		_ = conn.Close()
	})
	if err := conn.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
}

// awaitContinued waits until the app has continued channel id.
func awaitContinued(t *testing.T, fake *fakeari.Server, id string) fakeari.ChannelSnapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	snap, err := fake.AwaitChannel(ctx, id, func(c fakeari.ChannelSnapshot) bool { return !c.InStasis })
	if err != nil {
		t.Fatalf("channel %s was never continued: %v", id, err)
	}
	return snap
}

func TestStasisAppSetsNameAndContinues(t *testing.T) {
	fake, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"))
	start(t, fake, url)
	for _, tc := range []struct {
		caller, name, wantName, wantMatch string
	}{
		{"+38761111111", "", "Ana Đurić", "e164"},
		{"+38761111111", "+38761111111", "Ana Đurić", "e164"}, // name equal to the number is replaced
		{"+38733000000", "Bob", "", "e164"},                   // an existing name stays
		{"+38799999999", "", "", "none"},                      // a miss continues without a name
		{"anonymous", "", "", "skipped"},
	} {
		id, err := fake.PlaceInbound(fakeari.InboundCall{App: app, Caller: tc.caller, CallerName: tc.name})
		if err != nil {
			t.Fatal(err)
		}
		snap := awaitContinued(t, fake, id)
		if got := snap.Variables["CALLERID(name)"]; got != tc.wantName {
			t.Errorf("%s/%q: CALLERID(name) = %q, want %q", tc.caller, tc.name, got, tc.wantName)
		}
		if got := snap.Variables["PBXAGENT_CID_MATCH"]; got != tc.wantMatch {
			t.Errorf("%s: PBXAGENT_CID_MATCH = %q, want %q", tc.caller, got, tc.wantMatch)
		}
		if snap.Destroyed {
			t.Errorf("%s: the app hung the call up", tc.caller)
		}
	}
}

// TestStasisAppServesChannelsLeftInTheApp: a call that entered the app
// while pbxagent was away (its StasisStart went to a connection that died)
// gets no StasisStart later; the reconciliation when pbxagent connects must
// serve it (observed on Asterisk 22.10.1, checked by TestObservedOnRealAsterisk;
// Asterisk res/stasis/app.c app_deactivate;
// https://github.com/CyCoreSystems/ari/issues/144).
func TestStasisAppServesChannelsLeftInTheApp(t *testing.T) {
	fake, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"))
	ctx := context.Background()
	old, err := ari.Connect(ctx, url, ari.WithApps(app), ari.WithAuth("U", "P"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := fake.PlaceInbound(fakeari.InboundCall{App: app, Caller: "+38761111111"})
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close() // the previous pbxagent dies with the channel in Stasis
	if snap, _ := fake.Channel(id); !snap.InStasis {
		t.Fatalf("channel left Stasis when the connection closed: %+v", snap)
	}
	start(t, fake, url)
	snap := awaitContinued(t, fake, id)
	if snap.Variables["CALLERID(name)"] != "Ana Đurić" {
		t.Fatalf("left-over channel: %+v", snap.Variables)
	}
}
