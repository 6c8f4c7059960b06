package media

import (
	"math"
	"time"
)

// RingbackTone is a ringback tone's cadence: its frequencies sound
// together for On, then silence for Off, over and over (ITU-T E.180 and
// its Supplement 2, the tones in use per country). Each frequency is sent
// at Level dBm0.
type RingbackTone struct {
	// Freqs are the frequencies in Hz, summed (one or two).
	Freqs []float64
	// On and Off are the cadence; multiples of 20 ms keep the frames whole.
	On, Off time.Duration
	// Level is each frequency's level in dBm0 (0 dBm0 is G.711's digital
	// milliwatt).
	Level float64
}

// RingbackCEPT is the ringing tone of most European countries, 425 Hz,
// 1 s on, 4 s off (ITU-T E.180 Supplement 2 lists it for Switzerland,
// Germany, Austria, Italy, among others), at -19 dBm0.
func RingbackCEPT() RingbackTone {
	return RingbackTone{Freqs: []float64{425}, On: time.Second, Off: 4 * time.Second, Level: -19}
}

// RingbackNorthAmerica is the North American audible ringing tone, 440 Hz
// plus 480 Hz, 2 s on, 4 s off (ITU-T E.180 Supplement 2, United States
// and Canada), each at -19 dBm0.
func RingbackNorthAmerica() RingbackTone {
	return RingbackTone{Freqs: []float64{440, 480}, On: 2 * time.Second, Off: 4 * time.Second, Level: -19}
}

// fullScaleDBm0 is the level of a full-scale sine in G.711: the digital
// milliwatt (ITU-T G.711 tables 5 and 6) peaks 3.17 dB below full scale.
const fullScaleDBm0 = 3.17

// Audio returns one cycle of the cadence (On of tone, then Off of
// silence) at 8 kHz, to be played in a loop (Session.Play with loop).
func (r RingbackTone) Audio() *Audio {
	on := int(r.On / (time.Second / ClockRate))
	off := int(r.Off / (time.Second / ClockRate))
	out := make([]int16, on+off)
	amp := 32767 * math.Pow(10, (r.Level-fullScaleDBm0)/20)
	for i := range on {
		var v float64
		for _, f := range r.Freqs {
			v += amp * math.Sin(2*math.Pi*f*float64(i)/ClockRate)
		}
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return &Audio{Samples: out}
}
