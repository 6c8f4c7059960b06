package media

import (
	"testing"
)

func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name   string
		sample int16
		ulaw   byte
		alaw   byte
	}{
		{name: "zero", sample: 0, ulaw: 0xFF, alaw: 0xD5},
		{name: "minus one is negative zero", sample: -1, ulaw: 0x7F, alaw: 0x55},
		{name: "positive max", sample: 32767, ulaw: 0x80, alaw: 0xAA},
		{name: "negative max", sample: -32768, ulaw: 0x00, alaw: 0x2A},
		{name: "below first A-law step", sample: 8, ulaw: 0xFE, alaw: 0xD5},
		{name: "segment edge", sample: 1024, ulaw: 0xCD, alaw: 0xE5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EncodeUlaw(tc.sample); got != tc.ulaw {
				t.Errorf("EncodeUlaw(%d) = %#02x, want %#02x", tc.sample, got, tc.ulaw)
			}
			if got := EncodeAlaw(tc.sample); got != tc.alaw {
				t.Errorf("EncodeAlaw(%d) = %#02x, want %#02x", tc.sample, got, tc.alaw)
			}
		})
	}
}

func TestG711DecodeKnownValues(t *testing.T) {
	tests := []struct {
		name string
		law  string
		code byte
		want int16
	}{
		{name: "ulaw positive zero", law: "u", code: 0xFF, want: 0},
		{name: "ulaw negative zero", law: "u", code: 0x7F, want: 0},
		{name: "ulaw max", law: "u", code: 0x80, want: 32124},
		{name: "ulaw min", law: "u", code: 0x00, want: -32124},
		{name: "ulaw first step", law: "u", code: 0xFE, want: 8},
		{name: "alaw smallest positive", law: "a", code: 0xD5, want: 8},
		{name: "alaw smallest negative", law: "a", code: 0x55, want: -8},
		{name: "alaw max", law: "a", code: 0xAA, want: 32256},
		{name: "alaw min", law: "a", code: 0x2A, want: -32256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got int16
			if tc.law == "u" {
				got = DecodeUlaw(tc.code)
			} else {
				got = DecodeAlaw(tc.code)
			}
			if got != tc.want {
				t.Errorf("decode %#02x = %d, want %d", tc.code, got, tc.want)
			}
		})
	}
}

// Every code word decodes to a value that encodes back to the same code word
// (µ-law's negative zero 0x7F maps to positive zero 0xFF).
func TestG711CodeRoundTrip(t *testing.T) {
	for i := range 256 {
		b := byte(i)
		if got := EncodeAlaw(DecodeAlaw(b)); got != b {
			t.Errorf("A-law %#02x -> %d -> %#02x", b, DecodeAlaw(b), got)
		}
		want := b
		if b == 0x7F {
			want = 0xFF
		}
		if got := EncodeUlaw(DecodeUlaw(b)); got != want {
			t.Errorf("µ-law %#02x -> %d -> %#02x", b, DecodeUlaw(b), got)
		}
	}
}

// The quantisation error stays within half the step of the sample's segment
// (plus the clipping at the ends of the range), and the encoding is monotonic.
func TestG711LinearRoundTripError(t *testing.T) {
	prevU, prevA := DecodeUlaw(EncodeUlaw(-32768)), DecodeAlaw(EncodeAlaw(-32768))
	for x := -32768; x <= 32767; x++ {
		s := int16(x)
		u := DecodeUlaw(EncodeUlaw(s))
		a := DecodeAlaw(EncodeAlaw(s))
		if u < prevU || a < prevA {
			t.Fatalf("not monotonic at %d", x)
		}
		prevU, prevA = u, a
		mag := max(x, -x)
		// µ-law steps double per segment from 8 (×4 scale) up to 1024.
		if err := abs(int(u) - x); mag <= 32124 && err > maxStep(mag)/2+4 {
			t.Fatalf("µ-law error at %d: decoded %d", x, u)
		}
		if err := abs(int(a) - x); mag <= 32256 && err > maxStep(mag)/2+8 {
			t.Fatalf("A-law error at %d: decoded %d", x, a)
		}
	}
}

func maxStep(mag int) int {
	step := 16
	for limit := 256; mag >= limit && step < 1024; limit <<= 1 {
		step <<= 1
	}
	return step * 2
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestTranscodeMatchesLinearPath(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	u2a := Transcode(nil, src, PCMU, PCMA)
	a2u := Transcode(nil, src, PCMA, PCMU)
	same := Transcode(nil, src, PCMU, PCMU)
	for i, b := range src {
		if want := EncodeAlaw(DecodeUlaw(b)); u2a[i] != want {
			t.Errorf("µ->A %#02x = %#02x, want %#02x", b, u2a[i], want)
		}
		if want := EncodeUlaw(DecodeAlaw(b)); a2u[i] != want {
			t.Errorf("A->µ %#02x = %#02x, want %#02x", b, a2u[i], want)
		}
		if same[i] != b {
			t.Errorf("µ->µ changed %#02x", b)
		}
	}
}

func TestCodecEncodeDecode(t *testing.T) {
	pcm := []int16{0, 1000, -1000, 32767, -32768}
	for _, c := range []Codec{PCMU, PCMA} {
		enc := c.Encode(nil, pcm)
		dec := c.Decode(nil, enc)
		for i := range pcm {
			if abs(int(dec[i])-int(pcm[i])) > 1100 {
				t.Errorf("%s: %d -> %d", c.Name, pcm[i], dec[i])
			}
		}
		if got := c.Decode(nil, []byte{c.Silence()}); got[0] != 0 && abs(int(got[0])) > 8 {
			t.Errorf("%s silence decodes to %d", c.Name, got[0])
		}
	}
	if _, err := CodecForPayloadType(9); err == nil {
		t.Error("payload type 9 accepted")
	}
}

func FuzzG711(f *testing.F) {
	f.Add(int16(0))
	f.Add(int16(-32768))
	f.Add(int16(12345))
	f.Fuzz(func(t *testing.T, s int16) {
		u := EncodeUlaw(s)
		if EncodeUlaw(DecodeUlaw(u)) != u && u != 0x7F {
			t.Fatalf("µ-law not idempotent for %d", s)
		}
		a := EncodeAlaw(s)
		if EncodeAlaw(DecodeAlaw(a)) != a {
			t.Fatalf("A-law not idempotent for %d", s)
		}
		if (s > 256 && DecodeUlaw(u) <= 0) || (s < -256 && DecodeAlaw(a) >= 0) {
			t.Fatalf("sign lost for %d", s)
		}
	})
}

func BenchmarkEncodeUlawFrame(b *testing.B) {
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		pcm[i] = int16(i * 200)
	}
	buf := make([]byte, 0, FrameSamples)
	b.SetBytes(FrameSamples * 2)
	for b.Loop() {
		buf = PCMU.Encode(buf, pcm)
	}
}

func BenchmarkDecodeAlawFrame(b *testing.B) {
	payload := make([]byte, FrameSamples)
	for i := range payload {
		payload[i] = byte(i)
	}
	buf := make([]int16, 0, FrameSamples)
	b.SetBytes(FrameSamples)
	for b.Loop() {
		buf = PCMA.Decode(buf, payload)
	}
}

func BenchmarkTranscodeFrame(b *testing.B) {
	payload := make([]byte, FrameSamples)
	buf := make([]byte, 0, FrameSamples)
	b.SetBytes(FrameSamples)
	for b.Loop() {
		buf = Transcode(buf, payload, PCMU, PCMA)
	}
}
