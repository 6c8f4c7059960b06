package media

import (
	"math"
	"testing"
	"time"
)

func TestRingbackTone(t *testing.T) {
	tests := []struct {
		name     string
		tone     RingbackTone
		on, off  int     // samples
		freq     float64 // zero crossings a second / 2
		wantPeak float64 // the on part's peak, as a fraction of full scale
	}{
		{name: "CEPT", tone: RingbackCEPT(), on: 8000, off: 32000, freq: 425, wantPeak: 0.0778},
		{name: "North America", tone: RingbackNorthAmerica(), on: 16000, off: 32000, freq: 480, wantPeak: 2 * 0.0778}, // 2 sin(460) cos(20): 460 Hz, plus the envelope's 40 zeros a second
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.tone.Audio()
			if len(a.Samples) != tt.on+tt.off {
				t.Fatalf("%d samples, want %d", len(a.Samples), tt.on+tt.off)
			}
			if n := len(a.Frames()); n*FrameSamples != len(a.Samples) {
				t.Errorf("%d frames of %d samples: the cadence is not whole 20 ms frames", n, FrameSamples)
			}
			peak, crossings := 0.0, 0
			for i, s := range a.Samples[:tt.on] {
				peak = max(peak, math.Abs(float64(s))/32767)
				if i > 0 && (a.Samples[i-1] < 0) != (s < 0) {
					crossings++
				}
			}
			if math.Abs(peak-tt.wantPeak) > 0.01 {
				t.Errorf("peak %.4f of full scale, want %.4f (-19 dBm0 per frequency)", peak, tt.wantPeak)
			}
			// A sine crosses zero twice a period.
			got := float64(crossings) / 2 / tt.tone.On.Seconds()
			if math.Abs(got-tt.freq) > 2 {
				t.Errorf("%.1f Hz by zero crossings, want %.0f", got, tt.freq)
			}
			for i, s := range a.Samples[tt.on:] {
				if s != 0 {
					t.Fatalf("sample %d of the off part is %d, want silence", i, s)
				}
			}
		})
	}
	if (RingbackTone{Freqs: []float64{425}, On: 20 * time.Millisecond}).Audio().Samples[0] != 0 {
		t.Error("the tone does not start at a zero crossing")
	}
}
