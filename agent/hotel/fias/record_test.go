package fias

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string // the record rendered again; "" when an error is wanted
		wantErr string
	}{
		{name: "check-in", body: "GI|RN101|G#4821|GNRossi|GFAnna|GLIT|", want: "GI|RN101|G#4821|GNRossi|GFAnna|GLIT|"},
		{name: "no trailing bar", body: "RE|RN201|DNY", want: "RE|RN201|DNY|"},
		{name: "no fields", body: "LA|", want: "LA|"},
		{name: "type only", body: "LE", want: "LE|"},
		{name: "empty fields skipped", body: "PA||RN101||ASOK|P#7|", want: "PA|RN101|ASOK|P#7|"},
		{name: "empty value", body: "GI|RN101|GN|", want: "GI|RN101|GN|"},
		{name: "latin-1 name", body: "GI|RN1|GNM\xfcller|", want: "GI|RN1|GNMüller|"},
		{name: "empty", body: "", wantErr: "empty record"},
		{name: "bad type", body: "G|RN1|", wantErr: `record type "G"`},
		{name: "lower-case type", body: "gi|RN1|", wantErr: `record type "gi"`},
		{name: "short field", body: "GI|R|", wantErr: `GI: field 1 "R"`},
		{name: "bad field id", body: "GI|RN1|g#5|", wantErr: `GI: field 2 "g#5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode(%q) = %v, %v; want an error with %q", tt.body, r, err, tt.wantErr)
				}
				return
			}
			if err != nil || r.String() != tt.want {
				t.Fatalf("Decode(%q) = %q, %v; want %q", tt.body, r.String(), err, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name    string
		rec     Record
		want    string
		wantErr string
	}{
		{name: "posting", rec: NewRecord("PS", "RN", "101", "PT", "C", "P#", "7"), want: "\x02PS|RN101|PTC|P#7|\x03"},
		{name: "no fields", rec: NewRecord("LA"), want: "\x02LA|\x03"},
		{name: "bar in value", rec: NewRecord("GI", "GN", "a|b"), wantErr: "field GN"},
		{name: "ETX in value", rec: NewRecord("GI", "GN", "a\x03"), wantErr: "field GN"},
		{name: "bad id", rec: NewRecord("GI", "G", "x"), wantErr: `field id "G"`},
		{name: "bad type", rec: NewRecord("G"), wantErr: `record type "G"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.rec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Encode = %q, %v; want an error with %q", b, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(b) != tt.want {
				t.Fatalf("Encode = %q, %v; want %q", b, err, tt.want)
			}
		})
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		max    int
		want   []string // bodies, "!" for ErrFrameTooLong
		end    error
	}{
		{name: "two records", stream: "\x02LS|\x03\x02LA|\x03", want: []string{"LS|", "LA|"}, end: io.EOF},
		{name: "noise between", stream: "xx\r\n\x02LS|\x03\x7f\x02LA|\x03junk", want: []string{"LS|", "LA|"}, end: io.EOF},
		{name: "STX restarts", stream: "\x02GI|RN1\x02GO|RN1|\x03", want: []string{"GO|RN1|"}, end: io.EOF},
		{name: "cut at the end", stream: "\x02LS|\x03\x02GI|RN", want: []string{"LS|"}, end: io.ErrUnexpectedEOF},
		{name: "too long then fine", stream: "\x02GI|RN12345678|\x03\x02LA|\x03", max: 8, want: []string{"!", "LA|"}, end: io.EOF},
		{name: "empty frame", stream: "\x02\x03", want: []string{""}, end: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.stream), tt.max)
			var got []string
			for {
				b, err := r.Next()
				if errors.Is(err, ErrFrameTooLong) {
					got = append(got, "!")
					continue
				}
				if err != nil {
					if !errors.Is(err, tt.end) {
						t.Fatalf("end: %v, want %v", err, tt.end)
					}
					break
				}
				got = append(got, string(b))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("bodies %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"GI|RN101|G#4821|GNRossi|", "LA|", "PA|RN1|ASOK|P#7|", "LR|RIGI|FLRNG#GN|", "", "G", "GI|R|", "RE|RN201|DNY", "GI|GN\xfc|"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Decode(body)
		if err != nil {
			return
		}
		// A decoded record encodes (when its values are clean) and decodes to itself.
		b, err := Encode(r)
		if err != nil {
			if !bytes.ContainsAny(body, "\x02\x03") {
				t.Fatalf("Decode(%q) = %q does not encode: %v", body, r.String(), err)
			}
			return
		}
		again, err := Decode(b[1 : len(b)-1])
		if err != nil || again.String() != r.String() {
			t.Fatalf("round trip of %q: %q, %v; want %q", body, again.String(), err, r.String())
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"\x02LS|\x03\x02LA|\x03", "x\x02GI|RN1\x02GO|\x03", "\x02\x03", "\x03\x02", "\x02" + strings.Repeat("A", 40) + "\x03"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := NewReader(bytes.NewReader(stream), 32)
		total := 0
		for i := 0; ; i++ {
			if i > len(stream)+1 {
				t.Fatalf("more records than bytes in %q", stream)
			}
			b, err := r.Next()
			if errors.Is(err, ErrFrameTooLong) {
				continue
			}
			if err != nil {
				return
			}
			if len(b) > 32 || bytes.ContainsAny(b, "\x02\x03") {
				t.Fatalf("body %q: over the limit or holds STX/ETX", b)
			}
			total += len(b) + 2
			if total > len(stream) {
				t.Fatalf("bodies longer than the stream %q", stream)
			}
		}
	})
}

func TestDefinitions(t *testing.T) {
	ours := OurDefinitions().Records()
	var gi string
	for _, r := range ours {
		if r.Value("RI") == "GI" {
			gi = r.String()
		}
	}
	if gi != "LR|RIGI|FLRNG#GNGFGLGAGDGVGSSFDATI|" {
		t.Fatalf("our LR for GI = %q", gi)
	}
	peer := Definitions{}
	tests := []struct {
		name  string
		lr    Record
		learn bool
	}{
		{name: "posting", lr: NewRecord("LR", "RI", "PS", "FL", "RNPTTAP#"), learn: true},
		{name: "odd field list", lr: NewRecord("LR", "RI", "RE", "FL", "RND"), learn: false},
		{name: "no RI", lr: NewRecord("LR", "FL", "RN"), learn: false},
	}
	for _, tt := range tests {
		if got := peer.Learn(tt.lr); got != tt.learn {
			t.Errorf("%s: Learn = %v, want %v", tt.name, got, tt.learn)
		}
	}
	ps := NewRecord("PS", "RN", "101", "PT", "C", "DA", "261207", "DD", "0044", "TA", "120", "P#", "3")
	if got := peer.Filter(ps).String(); got != "PS|RN101|PTC|TA120|P#3|" {
		t.Fatalf("filtered PS = %q", got)
	}
	re := NewRecord("RE", "RN", "101", "DN", "Y")
	if got := peer.Filter(re).String(); got != "RE|RN101|DNY|" {
		t.Fatalf("RE (undeclared) = %q, want it whole", got)
	}
}
