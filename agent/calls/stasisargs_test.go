package calls

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseStasisArgs(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantKind Kind
		wantNum  string
		wantErr  string
	}{
		{name: "internal", args: []string{"internal", "101"}, wantKind: KindInternal, wantNum: "101"},
		{name: "inbound DID", args: []string{"inbound", "+41441234567"}, wantKind: KindInbound, wantNum: "+41441234567"},
		{name: "outbound", args: []string{"outbound", "0041441234567"}, wantKind: KindOutbound, wantNum: "0041441234567"},
		{name: "none", args: nil, wantErr: "none"},
		{name: "unknown kind", args: []string{"transfer", "101"}, wantErr: `kind "transfer"`},
		{name: "no number", args: []string{"internal"}, wantErr: "1 arguments"},
		{name: "extra argument", args: []string{"internal", "101", "x"}, wantErr: "3 arguments"},
		{name: "empty number", args: []string{"inbound", ""}, wantErr: "number"},
		{name: "number that changes a dial string", args: []string{"outbound", "101&PJSIP/evil"}, wantErr: "number"},
		{name: "group", args: []string{"group", "sales"}, wantKind: KindGroup, wantNum: "sales"},
		{name: "group id of 32", args: []string{"group", "support_2nd-level_0123456789abcd"}, wantKind: KindGroup, wantNum: "support_2nd-level_0123456789abcd"},
		{name: "group id of 33", args: []string{"group", "support_2nd-level_0123456789abcde"}, wantErr: "group id"},
		{name: "group id with capitals", args: []string{"group", "Sales"}, wantErr: "group id"},
		{name: "empty group id", args: []string{"group", ""}, wantErr: "group id"},
		{name: "group id that changes a bridge id", args: []string{"group", "a/b"}, wantErr: "group id"},
		{name: "group without id", args: []string{"group"}, wantErr: "1 arguments"},
		{name: "feature code", args: []string{"feature", "*44"}, wantKind: KindFeature, wantNum: "*44"},
		{name: "feature code with #", args: []string{"feature", "#9*"}, wantKind: KindFeature, wantNum: "#9*"},
		{name: "feature code with a letter", args: []string{"feature", "*4a"}, wantErr: "feature code"},
		{name: "empty feature code", args: []string{"feature", ""}, wantErr: "feature code"},
		{name: "feature code of 17", args: []string{"feature", "*1234567890123456"}, wantErr: "feature code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, n, err := ParseStasisArgs(tt.args)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrBadStasisArgs) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("%v: err %v, want one saying %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || k != tt.wantKind || n != tt.wantNum {
				t.Fatalf("%v: %q %q %v", tt.args, k, n, err)
			}
		})
	}
}

func FuzzParseStasisArgs(f *testing.F) {
	for _, s := range []string{"internal,101", "inbound,+41441234567", "outbound,0", "x,1", "internal", "", "inbound,1,2", "inbound,\x00",
		"group,sales", "group,", "group,Sales", "group,a-b_c", "group,x,y", "feature,*44", "feature,", "feature,*4x", "feature,#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Split(in, ",")
		k, n, err := ParseStasisArgs(args)
		if err != nil {
			if !errors.Is(err, ErrBadStasisArgs) {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if !isKind(string(k)) || len(args) != 2 || n != args[1] || string(k) != args[0] {
			t.Fatalf("%q accepted as %q %q", in, k, n)
		}
		if k == KindGroup {
			// The id goes into a bridge id: only a-z, 0-9, _ and -.
			if len(n) == 0 || len(n) > 32 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
				t.Fatalf("%q: group id %q accepted", in, n)
			}
			return
		}
		if k == KindFeature {
			if len(n) == 0 || len(n) > 16 || strings.Trim(n, "0123456789*#") != "" {
				t.Fatalf("%q: feature code %q accepted", in, n)
			}
			return
		}
		if _, err := ParseDestination(n); err != nil {
			t.Fatalf("%q: number %q would not pass as a destination: %v", in, n, err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{name: "defaults", change: func(*Config) {}},
		{name: "sequential", change: func(c *Config) { c.RingStrategy = RingSequential }},
		{name: "unknown strategy", change: func(c *Config) { c.RingStrategy = "random" }, wantErr: "calls.ring_strategy"},
		{name: "ring timeout too short", change: func(c *Config) { c.RingTimeout = time.Millisecond }, wantErr: "calls.ring_timeout"},
		{name: "no label", change: func(c *Config) { c.NoAnswerLabel = "" }, wantErr: "calls.noanswer_label"},
		{name: "lookup timeout zero", change: func(c *Config) { c.LookupTimeout = 0 }, wantErr: "calls.lookup_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestChannelEndpointAndCallerID(t *testing.T) {
	for in, want := range map[string]string{"PJSIP/101-0000002a": "PJSIP/101", "PJSIP/a-b-00000001": "PJSIP/a-b", "PJSIP/101": "PJSIP/101", "Local/1@x-0001;2": "Local/1@x"} {
		if got := channelEndpoint(in); got != want {
			t.Errorf("channelEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct{ name, num, want string }{
		{"Muster AG", "+41441234567", `"Muster AG" <+41441234567>`},
		{"", "101", "<101>"},
		{`Evil" <1>`, "2", `"Evil 1" <2>`},
	} {
		if got := callerIDString(tt.name, tt.num); got != tt.want {
			t.Errorf("callerIDString(%q, %q) = %q, want %q", tt.name, tt.num, got, tt.want)
		}
	}
}
