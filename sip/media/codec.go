package media

import (
	"fmt"
	"time"
)

// Static RTP payload types and timing of the G.711 codecs (RFC 3551 section
// 6, table 4): PayloadPCMU and PayloadPCMA at ClockRate 8000 Hz, one
// channel, FramePeriod 20 ms frames of FrameSamples 160 samples.
const (
	// PayloadPCMU is the static payload type of G.711 µ-law.
	PayloadPCMU uint8 = 0
	// PayloadPCMA is the static payload type of G.711 A-law.
	PayloadPCMA uint8 = 8
	// ClockRate is the RTP clock and sample rate of G.711, in Hz.
	ClockRate = 8000
	// FrameSamples is the samples (and G.711 bytes) in one 20 ms frame.
	FrameSamples = 160
	// FramePeriod is the packetisation interval.
	FramePeriod = 20 * time.Millisecond
)

// Codec is a G.711 law identified by its RTP payload type.
type Codec struct {
	// Name is the SDP encoding name, "PCMU" or "PCMA".
	Name string
	// PayloadType is the static RTP payload type, 0 or 8.
	PayloadType uint8
}

// PCMU and PCMA are the two G.711 codecs.
var (
	// PCMU is G.711 µ-law, payload type 0.
	PCMU = Codec{Name: "PCMU", PayloadType: PayloadPCMU}
	// PCMA is G.711 A-law, payload type 8.
	PCMA = Codec{Name: "PCMA", PayloadType: PayloadPCMA}
)

// CodecForPayloadType returns the codec for a static payload type.
func CodecForPayloadType(pt uint8) (Codec, error) {
	switch pt {
	case PayloadPCMU:
		return PCMU, nil
	case PayloadPCMA:
		return PCMA, nil
	}
	return Codec{}, fmt.Errorf("media: payload type %d is not G.711 (want 0 PCMU or 8 PCMA)", pt)
}

// Encode appends the encoding of pcm to dst[:0] and returns it.
func (c Codec) Encode(dst []byte, pcm []int16) []byte {
	dst = dst[:0]
	if c.PayloadType == PayloadPCMA {
		for _, s := range pcm {
			dst = append(dst, EncodeAlaw(s))
		}
		return dst
	}
	for _, s := range pcm {
		dst = append(dst, EncodeUlaw(s))
	}
	return dst
}

// Decode appends the linear samples of payload to dst[:0] and returns it.
func (c Codec) Decode(dst []int16, payload []byte) []int16 {
	dst = dst[:0]
	tab := &tables.ulawToLinear
	if c.PayloadType == PayloadPCMA {
		tab = &tables.alawToLinear
	}
	for _, b := range payload {
		dst = append(dst, tab[b])
	}
	return dst
}

// Silence returns the encoding of one byte of digital silence (linear 0).
func (c Codec) Silence() byte {
	if c.PayloadType == PayloadPCMA {
		return 0xD5
	}
	return 0xFF
}

// Transcode converts a payload from codec from to codec to, appending to
// dst[:0]; the same codec copies.
func Transcode(dst, payload []byte, from, to Codec) []byte {
	switch {
	case from.PayloadType == to.PayloadType:
		return append(dst[:0], payload...)
	case from.PayloadType == PayloadPCMU:
		return UlawToAlaw(dst, payload)
	default:
		return AlawToUlaw(dst, payload)
	}
}
