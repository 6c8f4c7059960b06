package media

import (
	"math"
	"testing"
	"time"
)

// signal builds 20 ms frames of synthetic audio.
type signal struct {
	frames [][]int16
	seed   uint32
}

func (s *signal) tone(d time.Duration, hz, dbfs float64) *signal {
	amp := 32767 * math.Pow(10, dbfs/20) * math.Sqrt2 // RMS at dbfs
	for range int(d / FramePeriod) {
		f := make([]int16, FrameSamples)
		for i := range f {
			n := len(s.frames)*FrameSamples + i
			f[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(n)/ClockRate))
		}
		s.frames = append(s.frames, f)
	}
	return s
}

// noise adds white noise of roughly the given level (deterministic LCG).
func (s *signal) noise(d time.Duration, dbfs float64) *signal {
	amp := 32767 * math.Pow(10, dbfs/20) * math.Sqrt(3)
	for range int(d / FramePeriod) {
		f := make([]int16, FrameSamples)
		for i := range f {
			s.seed = s.seed*1664525 + 1013904223
			u := float64(s.seed>>8)/float64(1<<24)*2 - 1
			f[i] = int16(amp * u)
		}
		s.frames = append(s.frames, f)
	}
	return s
}

func (s *signal) silence(d time.Duration) *signal { return s.noise(d, -200) }

func TestFrameLevel(t *testing.T) {
	tests := []struct {
		name  string
		frame []int16
		want  float64
	}{
		{name: "silence", frame: make([]int16, FrameSamples), want: -100},
		{name: "-20 dBFS tone", frame: new(signal).tone(FramePeriod, 1000, -20).frames[0], want: -20},
		{name: "-40 dBFS noise", frame: new(signal).noise(FramePeriod, -40).frames[0], want: -40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FrameLevelDBFS(tc.frame); math.Abs(got-tc.want) > 1 {
				t.Fatalf("level %.2f, want %.0f", got, tc.want)
			}
		})
	}
}

func TestVAD(t *testing.T) {
	tests := []struct {
		name string
		sig  *signal
		// want lists frame index ranges [from, to) and the expected state.
		want []struct {
			from, to int
			speech   bool
		}
	}{
		{name: "silence is never speech", sig: new(signal).silence(2 * time.Second),
			want: []struct {
				from, to int
				speech   bool
			}{{0, 100, false}}},
		{name: "steady low noise is not speech", sig: new(signal).noise(3*time.Second, -50),
			want: []struct {
				from, to int
				speech   bool
			}{{0, 150, false}}},
		{name: "tone over noise with attack and hangover", sig: new(signal).noise(time.Second, -55).tone(time.Second, 440, -20).noise(time.Second, -55),
			want: []struct {
				from, to int
				speech   bool
			}{{0, 50, false}, {50, 51, false}, {51, 100, true}, {100, 109, true}, {110, 150, false}}},
		{name: "click is not speech", sig: new(signal).silence(time.Second).tone(FramePeriod, 1000, -10).silence(time.Second),
			want: []struct {
				from, to int
				speech   bool
			}{{0, 101, false}}},
		{name: "lasting loud noise stops being speech", sig: new(signal).noise(time.Second, -60).noise(20*time.Second, -30),
			want: []struct {
				from, to int
				speech   bool
			}{{51, 60, true}, {900, 1050, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVAD(VADConfig{})
			got := make([]bool, len(tc.sig.frames))
			for i, f := range tc.sig.frames {
				got[i] = v.Process(f)
			}
			for _, w := range tc.want {
				for i := w.from; i < w.to; i++ {
					if got[i] != w.speech {
						t.Fatalf("frame %d speech=%v, want %v (floor %.1f dBFS)", i, got[i], w.speech, v.NoiseFloorDBFS())
					}
				}
			}
		})
	}
}

func TestAMD(t *testing.T) {
	tests := []struct {
		name   string
		sig    *signal
		want   AMDResult
		byTime time.Duration
	}{
		{name: "human says hello then waits", sig: new(signal).noise(time.Second, -55).tone(700*time.Millisecond, 300, -18).noise(2*time.Second, -55),
			want: AMDHuman, byTime: 2700 * time.Millisecond}, // 1.7 s + 200 ms hangover + 800 ms
		{name: "human with two words", sig: new(signal).silence(500*time.Millisecond).tone(400*time.Millisecond, 300, -18).silence(300*time.Millisecond).tone(500*time.Millisecond, 250, -20).silence(2 * time.Second),
			want: AMDHuman, byTime: 2700 * time.Millisecond},
		{name: "machine greeting", sig: machineGreeting(), want: AMDMachine, byTime: 3200 * time.Millisecond},
		{name: "nobody speaks", sig: new(signal).noise(5*time.Second, -55), want: AMDSilence, byTime: 3500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAMD(AMDConfig{})
			var at time.Duration
			for i, f := range tc.sig.frames {
				if r := a.Feed(f); r != AMDUndecided {
					at = time.Duration(i+1) * FramePeriod
					break
				}
			}
			if a.Result() != tc.want {
				t.Fatalf("verdict %v, want %v", a.Result(), tc.want)
			}
			if at > tc.byTime {
				t.Fatalf("decided at %v, want by %v", at, tc.byTime)
			}
			if a.Result().String() == "" {
				t.Fatal("no name")
			}
		})
	}
}

// machineGreeting is half a second of silence then four 700 ms bursts with
// 150 ms gaps ("Hello, you have reached ... please leave a message").
func machineGreeting() *signal {
	s := new(signal).silence(500 * time.Millisecond)
	for range 4 {
		s.tone(700*time.Millisecond, 220, -18).silence(150 * time.Millisecond)
	}
	return s
}
