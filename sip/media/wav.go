package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WAV format codes (the fmt chunk's wFormatTag) accepted by ReadWAV.
const (
	wavFormatPCM        = 1
	wavFormatALaw       = 6
	wavFormatULaw       = 7
	wavFormatExtensible = 0xFFFE
)

// MaxWAVSamples bounds a prompt to ten minutes at 8 kHz so a hostile header
// cannot make ReadWAV allocate without limit.
const MaxWAVSamples = 10 * 60 * ClockRate

// WAVError is a malformed or unsupported WAV file, naming the chunk and field.
type WAVError struct {
	// Chunk is the RIFF chunk, e.g. "RIFF", "fmt ", "data".
	Chunk string
	// Field is the field within the chunk, e.g. "sample rate".
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *WAVError) Error() string {
	return fmt.Sprintf("wav: chunk %q field %q: %s", e.Chunk, e.Field, e.Reason)
}

// Audio is a decoded prompt: 8 kHz mono linear PCM.
type Audio struct {
	// Samples are the 16-bit linear samples.
	Samples []int16
}

// Frames cuts the audio into 20 ms frames of 160 samples; the last frame is
// padded with silence.
func (a *Audio) Frames() [][]int16 {
	n := (len(a.Samples) + FrameSamples - 1) / FrameSamples
	frames := make([][]int16, 0, n)
	for i := 0; i < len(a.Samples); i += FrameSamples {
		end := i + FrameSamples
		if end <= len(a.Samples) {
			frames = append(frames, a.Samples[i:end:end])
			continue
		}
		last := make([]int16, FrameSamples)
		copy(last, a.Samples[i:])
		frames = append(frames, last)
	}
	return frames
}

// Payloads encodes the audio into one RTP payload per 20 ms frame.
func (a *Audio) Payloads(c Codec) [][]byte {
	frames := a.Frames()
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = c.Encode(make([]byte, 0, FrameSamples), f)
	}
	return out
}

type wavFormat struct {
	tag           uint16
	channels      uint16
	rate          uint32
	bitsPerSample uint16
}

// ReadWAV reads a RIFF/WAVE file holding 8000 Hz mono audio as 16-bit PCM
// (format 1), A-law (format 6) or µ-law (format 7), also inside
// WAVE_FORMAT_EXTENSIBLE. Unknown chunks are skipped.
func ReadWAV(r io.Reader) (*Audio, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, &WAVError{Chunk: "RIFF", Field: "header", Reason: "file shorter than 12 bytes: " + err.Error()}
	}
	if string(hdr[0:4]) != "RIFF" {
		return nil, &WAVError{Chunk: "RIFF", Field: "chunk id", Reason: fmt.Sprintf("got %q, want \"RIFF\"", hdr[0:4])}
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, &WAVError{Chunk: "RIFF", Field: "form type", Reason: fmt.Sprintf("got %q, want \"WAVE\"", hdr[8:12])}
	}
	var format *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if format == nil {
				return nil, &WAVError{Chunk: "fmt ", Field: "chunk", Reason: "missing"}
			}
			return nil, &WAVError{Chunk: "data", Field: "chunk", Reason: "missing"}
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			f, err := readWAVFormat(r, size)
			if err != nil {
				return nil, err
			}
			format = f
		case "data":
			if format == nil {
				return nil, &WAVError{Chunk: "data", Field: "chunk", Reason: "comes before the \"fmt \" chunk"}
			}
			return readWAVData(r, size, format)
		default:
			if err := skipChunk(r, id, size); err != nil {
				return nil, err
			}
		}
	}
}

func skipChunk(r io.Reader, id string, size uint32) error {
	n := int64(size) + int64(size&1) // chunks are padded to an even length
	if _, err := io.CopyN(io.Discard, r, n); err != nil {
		return &WAVError{Chunk: id, Field: "size", Reason: fmt.Sprintf("declares %d bytes but the file ends early", size)}
	}
	return nil
}

func readWAVFormat(r io.Reader, size uint32) (*wavFormat, error) {
	if size < 16 {
		return nil, &WAVError{Chunk: "fmt ", Field: "size", Reason: fmt.Sprintf("%d bytes, want at least 16", size)}
	}
	if size > 1024 {
		return nil, &WAVError{Chunk: "fmt ", Field: "size", Reason: fmt.Sprintf("%d bytes, want at most 1024", size)}
	}
	buf := make([]byte, int(size)+int(size&1))
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, &WAVError{Chunk: "fmt ", Field: "size", Reason: fmt.Sprintf("declares %d bytes but the file ends early", size)}
	}
	f := &wavFormat{
		tag:           binary.LittleEndian.Uint16(buf[0:2]),
		channels:      binary.LittleEndian.Uint16(buf[2:4]),
		rate:          binary.LittleEndian.Uint32(buf[4:8]),
		bitsPerSample: binary.LittleEndian.Uint16(buf[14:16]),
	}
	if f.tag == wavFormatExtensible {
		// cbSize(2) validBits(2) channelMask(4) then the sub-format GUID whose
		// first two bytes are the format code.
		if size < 40 {
			return nil, &WAVError{Chunk: "fmt ", Field: "extension", Reason: fmt.Sprintf("WAVE_FORMAT_EXTENSIBLE needs 40 bytes, got %d", size)}
		}
		f.tag = binary.LittleEndian.Uint16(buf[24:26])
	}
	switch {
	case f.tag != wavFormatPCM && f.tag != wavFormatALaw && f.tag != wavFormatULaw:
		return nil, &WAVError{Chunk: "fmt ", Field: "audio format", Reason: fmt.Sprintf("%d unsupported (want 1 PCM, 6 A-law or 7 µ-law)", f.tag)}
	case f.channels != 1:
		return nil, &WAVError{Chunk: "fmt ", Field: "channels", Reason: fmt.Sprintf("%d, want 1 (mono)", f.channels)}
	case f.rate != ClockRate:
		return nil, &WAVError{Chunk: "fmt ", Field: "sample rate", Reason: fmt.Sprintf("%d Hz, want 8000", f.rate)}
	case f.tag == wavFormatPCM && f.bitsPerSample != 16:
		return nil, &WAVError{Chunk: "fmt ", Field: "bits per sample", Reason: fmt.Sprintf("%d, want 16 for PCM", f.bitsPerSample)}
	case f.tag != wavFormatPCM && f.bitsPerSample != 8:
		return nil, &WAVError{Chunk: "fmt ", Field: "bits per sample", Reason: fmt.Sprintf("%d, want 8 for G.711", f.bitsPerSample)}
	}
	return f, nil
}

func readWAVData(r io.Reader, size uint32, f *wavFormat) (*Audio, error) {
	bytesPerSample := uint32(f.bitsPerSample / 8)
	if size%bytesPerSample != 0 {
		return nil, &WAVError{Chunk: "data", Field: "size", Reason: fmt.Sprintf("%d bytes is not a whole number of %d-byte samples", size, bytesPerSample)}
	}
	n := size / bytesPerSample
	if n > MaxWAVSamples {
		return nil, &WAVError{Chunk: "data", Field: "size", Reason: fmt.Sprintf("%d samples exceeds the limit of %d (10 minutes)", n, MaxWAVSamples)}
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, &WAVError{Chunk: "data", Field: "size", Reason: fmt.Sprintf("declares %d bytes but the file ends early", size)}
		}
		return nil, fmt.Errorf("wav: read data chunk: %w", err)
	}
	samples := make([]int16, n)
	switch f.tag {
	case wavFormatPCM:
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(buf[2*i:]))
		}
	case wavFormatALaw:
		for i, b := range buf {
			samples[i] = tables.alawToLinear[b]
		}
	case wavFormatULaw:
		for i, b := range buf {
			samples[i] = tables.ulawToLinear[b]
		}
	}
	return &Audio{Samples: samples}, nil
}

// WriteWAV writes 8 kHz mono 16-bit PCM as a RIFF/WAVE file (for tests and
// recordings).
func WriteWAV(w io.Writer, samples []int16) error {
	data := uint32(len(samples) * 2)
	buf := make([]byte, 44, 44+len(samples)*2)
	copy(buf[0:], "RIFF")
	binary.LittleEndian.PutUint32(buf[4:], 36+data)
	copy(buf[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(buf[16:], 16)
	binary.LittleEndian.PutUint16(buf[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(buf[22:], 1)
	binary.LittleEndian.PutUint32(buf[24:], ClockRate)
	binary.LittleEndian.PutUint32(buf[28:], ClockRate*2)
	binary.LittleEndian.PutUint16(buf[32:], 2)
	binary.LittleEndian.PutUint16(buf[34:], 16)
	copy(buf[36:], "data")
	binary.LittleEndian.PutUint32(buf[40:], data)
	for _, s := range samples {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("wav: write: %w", err)
	}
	return nil
}
