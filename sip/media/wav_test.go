package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// wavBytes builds a WAV file with the given fmt fields and data.
func wavBytes(tag, channels uint16, rate uint32, bits uint16, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+16+8+4+8+len(data)))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, uint32(16))
	_ = binary.Write(&b, binary.LittleEndian, tag)
	_ = binary.Write(&b, binary.LittleEndian, channels)
	_ = binary.Write(&b, binary.LittleEndian, rate)
	_ = binary.Write(&b, binary.LittleEndian, rate*uint32(bits/8))
	_ = binary.Write(&b, binary.LittleEndian, bits/8)
	_ = binary.Write(&b, binary.LittleEndian, bits)
	b.WriteString("LIST") // an unknown chunk to skip, odd length with pad
	_ = binary.Write(&b, binary.LittleEndian, uint32(3))
	b.WriteString("abc\x00")
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestReadWAVFormats(t *testing.T) {
	pcm := make([]byte, 0, 400)
	for i := range 200 {
		pcm = binary.LittleEndian.AppendUint16(pcm, uint16(int16(i*100-10000)))
	}
	tests := []struct {
		name      string
		file      []byte
		wantLen   int
		wantFirst int16
		wantFrame int
	}{
		{name: "pcm16", file: wavBytes(1, 1, 8000, 16, pcm), wantLen: 200, wantFirst: -10000, wantFrame: 2},
		{name: "alaw", file: wavBytes(6, 1, 8000, 8, []byte{0xD5, 0xAA}), wantLen: 2, wantFirst: 8, wantFrame: 1},
		{name: "ulaw", file: wavBytes(7, 1, 8000, 8, []byte{0x80, 0xFF}), wantLen: 2, wantFirst: 32124, wantFrame: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ReadWAV(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if len(a.Samples) != tc.wantLen || a.Samples[0] != tc.wantFirst {
				t.Fatalf("got %d samples first %d, want %d first %d", len(a.Samples), a.Samples[0], tc.wantLen, tc.wantFirst)
			}
			frames := a.Frames()
			if len(frames) != tc.wantFrame {
				t.Fatalf("got %d frames, want %d", len(frames), tc.wantFrame)
			}
			for i, f := range frames {
				if len(f) != FrameSamples {
					t.Fatalf("frame %d has %d samples", i, len(f))
				}
			}
			last := frames[len(frames)-1]
			if last[FrameSamples-1] != 0 {
				t.Errorf("last frame not padded with silence")
			}
		})
	}
}

func TestReadWAVErrors(t *testing.T) {
	tests := []struct {
		name      string
		file      []byte
		wantChunk string
		wantField string
	}{
		{name: "empty", file: nil, wantChunk: "RIFF", wantField: "header"},
		{name: "not riff", file: []byte("RIFX\x00\x00\x00\x00WAVE"), wantChunk: "RIFF", wantField: "chunk id"},
		{name: "not wave", file: []byte("RIFF\x00\x00\x00\x00AVI "), wantChunk: "RIFF", wantField: "form type"},
		{name: "no fmt", file: []byte("RIFF\x00\x00\x00\x00WAVE"), wantChunk: "fmt ", wantField: "chunk"},
		{name: "stereo", file: wavBytes(1, 2, 8000, 16, nil), wantChunk: "fmt ", wantField: "channels"},
		{name: "16 kHz", file: wavBytes(1, 1, 16000, 16, nil), wantChunk: "fmt ", wantField: "sample rate"},
		{name: "float", file: wavBytes(3, 1, 8000, 32, nil), wantChunk: "fmt ", wantField: "audio format"},
		{name: "8-bit pcm", file: wavBytes(1, 1, 8000, 8, nil), wantChunk: "fmt ", wantField: "bits per sample"},
		{name: "16-bit alaw", file: wavBytes(6, 1, 8000, 16, nil), wantChunk: "fmt ", wantField: "bits per sample"},
		{name: "odd pcm data", file: wavBytes(1, 1, 8000, 16, []byte{1, 2, 3}), wantChunk: "data", wantField: "size"},
		{name: "truncated data", file: wavBytes(7, 1, 8000, 8, []byte{1, 2, 3})[:58], wantChunk: "data", wantField: "size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadWAV(bytes.NewReader(tc.file))
			var we *WAVError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want *WAVError", err)
			}
			if we.Chunk != tc.wantChunk || we.Field != tc.wantField {
				t.Fatalf("err = %v, want chunk %q field %q", err, tc.wantChunk, tc.wantField)
			}
		})
	}
}

func TestWriteReadWAVRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	var b bytes.Buffer
	if err := WriteWAV(&b, in); err != nil {
		t.Fatal(err)
	}
	a, err := ReadWAV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Samples) != len(in) {
		t.Fatalf("got %d samples", len(a.Samples))
	}
	for i := range in {
		if a.Samples[i] != in[i] {
			t.Fatalf("sample %d = %d, want %d", i, a.Samples[i], in[i])
		}
	}
	if p := a.Payloads(PCMU); len(p) != 1 || len(p[0]) != FrameSamples {
		t.Fatalf("payloads = %d", len(p))
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(wavBytes(1, 1, 8000, 16, []byte{1, 2, 3, 4}))
	f.Add(wavBytes(6, 1, 8000, 8, []byte{0xD5}))
	f.Add(wavBytes(7, 1, 8000, 8, nil))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadWAV(bytes.NewReader(data))
		if err != nil {
			var we *WAVError
			if !errors.As(err, &we) {
				t.Fatalf("error is not a WAVError: %v", err)
			}
			return
		}
		if len(a.Samples) > len(data) {
			t.Fatalf("%d samples from %d bytes", len(a.Samples), len(data))
		}
		for _, fr := range a.Frames() {
			if len(fr) != FrameSamples {
				t.Fatal("short frame")
			}
		}
	})
}
