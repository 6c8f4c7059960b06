package number

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

// match runs the store's algorithm against a directory holding the single
// stored number: the kind of the first level whose keys meet the stored
// number's index keys, MatchNone when none does, MatchSkipped on Skip.
func match(n *Normalizer, stored, input string) phonebook.MatchKind {
	keys := map[string]bool{}
	for _, k := range n.Normalize(stored).IndexKeys() {
		keys[k] = true
	}
	p := n.Probe(input)
	if p.Skip {
		return phonebook.MatchSkipped
	}
	for _, l := range p.Levels {
		for _, k := range l.Keys {
			if keys[k] {
				return l.Kind
			}
		}
	}
	return phonebook.MatchNone
}

const (
	exact     = phonebook.MatchExact
	extension = phonebook.MatchExtension
	e164      = phonebook.MatchE164
	national  = phonebook.MatchNational
	none      = phonebook.MatchNone
	skipped   = phonebook.MatchSkipped
)

func TestMatch(t *testing.T) {
	tests := []struct {
		region string
		trunks []string
		stored string
		input  string
		want   phonebook.MatchKind
	}{
		// Region BA: every form meets the stored 061111111 (forms as
		// github.com/nyaruka/phonenumbers parses them in region BA).
		{"BA", nil, "061111111", "+38761111111", e164},
		{"BA", nil, "061111111", "0038761111111", e164},
		{"BA", nil, "061111111", "061 111-111", exact},
		{"BA", nil, "061111111", "061111111", exact},
		{"BA", nil, "061111111", "tel:+387-61-111-111", e164},
		{"BA", nil, "061111111", "sip:061111111@gw;user=phone", exact},
		{"BA", nil, "061111111", "61111111", e164},
		{"BA", nil, "061111111", "38761111111", e164},
		{"BA", nil, "061111111", "tel:061111111;phone-context=+387", e164},
		{"BA", nil, "061111111", "TEL:+387 61 111 111", e164},
		{"BA", nil, "061111111", "SIPS:+38761111111@sbc.example.com:5061;transport=tls", e164},
		{"BA", nil, "061111111", `"Ana" <sip:+38761111111@gw>`, e164},
		{"BA", nil, "061111111", "+387 (61) 111.111", e164},
		{"BA", nil, "061111111", "061\u00a0111\u2011111", exact},
		{"BA", nil, "+38761111111", "061111111", e164},
		{"BA", nil, "+387 61 111 111", "+38761111111", exact},
		{"BA", nil, "0038761111111", "061111111", e164},
		{"BA", nil, "061111111", "+387061111111", e164}, // non-canonical +: parsed, not fast path
		{"BA", nil, "061111111", "061111112", none},
		{"BA", nil, "061111111", "+38761111112", none},
		// Extensions: exact only, never a suffix of a long number.
		{"BA", nil, "1805", "1805", extension},
		{"BA", nil, "+38733111805", "1805", none},
		{"BA", nil, "033111805", "1805", none},
		{"BA", nil, "1805", "033111805", none},
		{"BA", nil, "1805", "+3871805", none},
		{"BA", nil, "1805", "tel:1805", extension},
		{"BA", nil, "1805", "sip:1805@pbx.local", extension},
		{"BA", nil, "01805", "1805", none},
		{"BA", nil, "111805", "1805", none},
		{"BA", nil, "805", "1805", none},
		// Rejected input.
		{"BA", nil, "061111111", "anonymous", skipped},
		{"BA", nil, "061111111", "Anonymous", skipped},
		{"BA", nil, "061111111", "restricted", skipped},
		{"BA", nil, "061111111", "unknown", skipped},
		{"BA", nil, "061111111", "unavailable", skipped},
		{"BA", nil, "061111111", "private", skipped},
		{"BA", nil, "061111111", "withheld", skipped},
		{"BA", nil, "061111111", "", skipped},
		{"BA", nil, "061111111", "   ", skipped},
		{"BA", nil, "061111111", "+", skipped},
		{"BA", nil, "061111111", "sip:anonymous@anonymous.invalid", skipped},
		{"BA", nil, "061111111", "061111111a", skipped},
		{"BA", nil, "061111111", "*97", skipped},
		{"BA", nil, "061111111", "0611+11111", skipped},
		{"BA", nil, "061111111", "++38761111111", skipped},
		// A number the metadata only knows as possible still meets itself in
		// another form, on the national level.
		{"BA", nil, "033123456", "+38733123456", national},
		{"BA", nil, "+38733123456", "033 123 456", national},
		// Numbers of other countries dialled from BA.
		{"BA", nil, "+12125550100", "0012125550100", e164},
		{"BA", nil, "+12125550100", "00 1 212 555 0100", e164},
		{"BA", nil, "+12125550100", "12125550100", none}, // no '+': read as a BA number
		{"BA", nil, "+12125550100", "0112125550100", none},
		// US.
		{"US", nil, "+1 212 555 0100", "(212) 555-0100", e164},
		{"US", nil, "(212) 555-0100", "+1 212 555 0100", e164},
		{"US", nil, "2125550100", "12125550100", e164},
		{"US", nil, "12125550100", "2125550100", e164},
		{"US", nil, "+12125550100", "01112125550100", e164},
		{"US", nil, "+12125550100", "0112125550100", none}, // caveat: +212 (Morocco), invalid
		{"US", nil, "+12125550100", "5550100", none},
		// DE.
		{"DE", nil, "+49301234567", "030 1234567", e164},
		{"DE", nil, "+49301234567", "0301234567", e164},
		{"DE", nil, "030 1234567", "+49301234567", e164},
		{"DE", nil, "030 1234567", "004930 1234567", e164},
		{"DE", nil, "+12125550100", "0012125550100", e164},
		// Trunk prefixes the PBX adds for outside lines.
		{"BA", []string{"0"}, "061111111", "0061111111", e164},
		{"BA", []string{"9"}, "061111111", "9061111111", e164},
		{"BA", []string{"9"}, "9061111111", "+38761111111", e164},
		{"BA", nil, "061111111", "9061111111", none},
		{"BA", []string{"9"}, "1805", "91805", none}, // short: an extension, not stripped
		// No default region: only '+' numbers parse; national forms match exactly.
		{"", nil, "+38761111111", "+387 61 111 111", exact},
		{"", nil, "+38761111111", "tel:061111111;phone-context=+387", e164},
		{"", nil, "061111111", "061111111", exact},
		{"", nil, "061111111", "+38761111111", none},
	}
	// One store per configuration: each case's contact is created, looked
	// up through Store.Lookup (the caller index, as on the call path) and
	// deleted again.
	stores := map[string]*phonebook.Store{}
	for i, tt := range tests {
		n, err := New(Config{DefaultRegion: tt.region, TrunkPrefixes: tt.trunks})
		if err != nil {
			t.Fatal(err)
		}
		if got := match(n, tt.stored, tt.input); got != tt.want {
			t.Errorf("region %q trunks %v: stored %q, input %q: got %s, want %s\nstored %+v\nprobe %+v",
				tt.region, tt.trunks, tt.stored, tt.input, got, tt.want, n.Normalize(tt.stored), n.Probe(tt.input))
		}
		cfg := fmt.Sprint(tt.region, tt.trunks)
		st := stores[cfg]
		if st == nil {
			st, err = phonebook.Open(context.Background(), phonebook.Options{InMemory: true, Numbering: Numbering{n},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			stores[cfg] = st
		}
		c, err := st.Create(context.Background(), &phonebook.Contact{FirstName: fmt.Sprint("Case", i), Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: tt.stored}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Lookup(context.Background(), tt.input)
		if err != nil {
			t.Fatal(err)
		}
		wantName := ""
		if tt.want.Hit() {
			wantName = c.DisplayName
		}
		if r.Match != tt.want || r.Name != wantName {
			t.Errorf("Store.Lookup, region %q trunks %v: stored %q, input %q: got %s %q, want %s %q",
				tt.region, tt.trunks, tt.stored, tt.input, r.Match, r.Name, tt.want, wantName)
		}
		if err := st.Delete(context.Background(), c.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNormalizeE164(t *testing.T) {
	tests := []struct {
		region, in, e164, nsnKey string
		kind                     Kind
	}{
		{"BA", "+38761111111", "+38761111111", "387:61111111", KindValid},
		{"BA", "0038761111111", "+38761111111", "387:61111111", KindValid},
		{"BA", "061 111-111", "+38761111111", "387:61111111", KindValid},
		{"BA", "tel:+387-61-111-111", "+38761111111", "387:61111111", KindValid},
		{"BA", "sip:061111111@gw;user=phone", "+38761111111", "387:61111111", KindValid},
		{"BA", "61111111", "+38761111111", "387:61111111", KindValid},
		{"BA", "38761111111", "+38761111111", "387:61111111", KindValid},
		{"BA", "tel:061111111;phone-context=+387", "+38761111111", "387:61111111", KindValid},
		{"BA", "1805", "", "", KindExtension},
		{"BA", "12125550100", "", "", KindUnparsed},
		{"BA", "0012125550100", "+12125550100", "1:2125550100", KindValid},
		{"DE", "00 1 212 555 0100", "+12125550100", "1:2125550100", KindValid},
		{"US", "+1 212 555 0100", "+12125550100", "1:2125550100", KindValid},
		{"US", "(212) 555-0100", "+12125550100", "1:2125550100", KindValid},
		{"US", "12125550100", "+12125550100", "1:2125550100", KindValid},
		{"US", "01112125550100", "+12125550100", "1:2125550100", KindValid},
		{"US", "0112125550100", "", "", KindUnparsed},
		{"DE", "030 1234567", "+49301234567", "49:301234567", KindValid},
		{"DE", "004930 1234567", "+49301234567", "49:301234567", KindValid},
		{"BA", "anonymous", "", "", KindRejected},
	}
	for _, tt := range tests {
		n, err := New(Config{DefaultRegion: tt.region})
		if err != nil {
			t.Fatal(err)
		}
		got := n.Normalize(tt.in)
		if got.E164 != tt.e164 || got.NSNKey != tt.nsnKey || got.Kind != tt.kind {
			t.Errorf("%s Normalize(%q) = %+v, want E164 %q NSNKey %q kind %s", tt.region, tt.in, got, tt.e164, tt.nsnKey, tt.kind)
		}
	}
}

func TestIndexKeys(t *testing.T) {
	n, err := New(Config{DefaultRegion: "BA"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"061 111-111", []string{"x:061111111", "e164:+38761111111", "nsn:387:61111111"}},
		{"1805", []string{"ext:1805"}},
		{"033123456", []string{"x:033123456", "nsn:387:33123456"}},
		{"12125550100", []string{"x:12125550100"}},
		{"anonymous", nil},
	}
	for _, tt := range tests {
		got := n.Normalize(tt.in).IndexKeys()
		if len(got) != len(tt.want) {
			t.Errorf("IndexKeys(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("IndexKeys(%q) = %q, want %q", tt.in, got, tt.want)
				break
			}
		}
	}
}

func TestAcceptPossible(t *testing.T) {
	strict, _ := New(Config{DefaultRegion: "BA"})
	loose, _ := New(Config{DefaultRegion: "BA", AcceptPossible: true})
	if got := strict.Normalize("033123456").E164; got != "" {
		t.Errorf("strict: possible-only number got E164 %q", got)
	}
	if got := loose.Normalize("033123456").E164; got != "+38733123456" {
		t.Errorf("AcceptPossible: E164 = %q, want +38733123456", got)
	}
	if got := match(loose, "033123456", "+38733123456"); got != e164 {
		t.Errorf("AcceptPossible: match = %s, want e164", got)
	}
}

func TestSkipPresentation(t *testing.T) {
	n, _ := New(Config{})
	for pres, want := range map[int]bool{0: false, 1: false, 2: false, 3: false, 32: true, 33: true, 34: true, 35: true, 64: true, 67: true} {
		if got := n.SkipPresentation(pres); got != want {
			t.Errorf("SkipPresentation(%d) = %v, want %v", pres, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{DefaultRegion: "XX"}, "DefaultRegion"},
		{Config{DefaultRegion: "Bosnia"}, "DefaultRegion"},
		{Config{ExtensionMaxLen: -1}, "ExtensionMaxLen"},
		{Config{ExtensionMaxLen: 16}, "ExtensionMaxLen"},
		{Config{TrunkPrefixes: []string{"0", "x"}}, "TrunkPrefixes[1]"},
		{Config{TrunkPrefixes: []string{""}}, "TrunkPrefixes[0]"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !contains(err.Error(), tt.field) {
			t.Errorf("New(%+v) error = %v, want one naming %s", tt.cfg, err, tt.field)
		}
	}
	if n, err := New(Config{DefaultRegion: "ba"}); err != nil || n.Region() != "BA" {
		t.Errorf("New(region ba) = %v, %v; want region BA", n, err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestNumberingAdapter(t *testing.T) {
	n, err := New(Config{DefaultRegion: "BA"})
	if err != nil {
		t.Fatal(err)
	}
	num := n.Numbering()
	norm, keys := num.Index("061 111-111")
	if norm != "+38761111111" || len(keys) != 3 {
		t.Errorf("Index = %q %q", norm, keys)
	}
	if norm, keys := num.Index("1805"); norm != "1805" || len(keys) != 1 || keys[0] != "ext:1805" {
		t.Errorf("Index(1805) = %q %q", norm, keys)
	}
	levels, e, skip := num.Probe("0038761111111")
	if skip || e != "+38761111111" || len(levels) != 3 || levels[1].Keys[0] != "e164:+38761111111" {
		t.Errorf("Probe = %+v %q %v", levels, e, skip)
	}
	if _, _, skip := num.Probe("anonymous"); !skip {
		t.Error("Probe(anonymous) not skipped")
	}
}
