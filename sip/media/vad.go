package media

import (
	"math"
	"time"
)

// VADConfig tunes a VAD; zero fields take the defaults in brackets.
type VADConfig struct {
	// MarginDB is how far above the noise floor a frame must be to count as
	// voice [9 dB].
	MarginDB float64
	// MinVoiceDBFS is the level below which nothing is voice, whatever the
	// floor [−45 dBFS].
	MinVoiceDBFS float64
	// Attack is the consecutive loud frames that start speech [2, 40 ms],
	// so a click is not speech.
	Attack int
	// Hangover is the quiet frames speech lasts after the last loud one
	// [10, 200 ms], bridging the gaps between words.
	Hangover int
	// InitialFloorDBFS is the starting noise floor [−60 dBFS].
	InitialFloorDBFS float64
}

func (c VADConfig) withDefaults() VADConfig {
	if c.MarginDB == 0 {
		c.MarginDB = 9
	}
	if c.MinVoiceDBFS == 0 {
		c.MinVoiceDBFS = -45
	}
	if c.Attack == 0 {
		c.Attack = 2
	}
	if c.Hangover == 0 {
		c.Hangover = 10
	}
	if c.InitialFloorDBFS == 0 {
		c.InitialFloorDBFS = -60
	}
	return c
}

// Noise floor smoothing per 20 ms frame: quiet frames pull the floor down
// fast and up moderately; during speech the floor creeps up slowly so that
// a lasting rise of background noise (a TV, a street) stops counting as
// voice after about ten seconds.
const (
	floorFall       = 0.3
	floorRise       = 0.05
	floorRiseSpeech = 0.002
)

// FrameLevelDBFS returns a frame's mean power in dB relative to full scale
// (a full-scale square wave is 0 dBFS; digital silence is −100).
func FrameLevelDBFS(frame []int16) float64 {
	if len(frame) == 0 {
		return -100
	}
	var sum float64
	for _, s := range frame {
		v := float64(s) / 32768
		sum += v * v
	}
	p := sum / float64(len(frame))
	if p < 1e-10 {
		return -100
	}
	return 10 * math.Log10(p)
}

// VAD is an energy-based voice activity detector: a frame is loud when its
// level exceeds an adaptive noise floor by a margin (and an absolute
// minimum); speech starts after Attack loud frames and ends Hangover frames
// after the last one. It tells sound from quiet, not voice from music or
// noise of the same level. Not safe for concurrent use.
type VAD struct {
	cfg      VADConfig
	floor    float64 // dBFS
	speaking bool
	loudRun  int
	hang     int
}

// NewVAD returns a detector.
func NewVAD(cfg VADConfig) *VAD {
	cfg = cfg.withDefaults()
	return &VAD{cfg: cfg, floor: cfg.InitialFloorDBFS}
}

// Process takes the next 20 ms frame and returns whether speech is active.
func (v *VAD) Process(frame []int16) bool {
	level := FrameLevelDBFS(frame)
	loud := level > v.floor+v.cfg.MarginDB && level > v.cfg.MinVoiceDBFS
	switch {
	case level < v.floor:
		v.floor += (level - v.floor) * floorFall
	case !loud:
		v.floor += (level - v.floor) * floorRise
	default:
		v.floor += (level - v.floor) * floorRiseSpeech
	}
	if loud {
		v.loudRun++
		if v.loudRun >= v.cfg.Attack {
			v.speaking = true
			v.hang = v.cfg.Hangover
		}
		return v.speaking
	}
	v.loudRun = 0
	if v.speaking {
		v.hang--
		if v.hang <= 0 {
			v.speaking = false
		}
	}
	return v.speaking
}

// Speaking reports the current state.
func (v *VAD) Speaking() bool { return v.speaking }

// NoiseFloorDBFS returns the current noise floor estimate.
func (v *VAD) NoiseFloorDBFS() float64 { return v.floor }

// AMDResult is the answering-machine heuristic's verdict.
type AMDResult int

const (
	// AMDUndecided means more audio is needed.
	AMDUndecided AMDResult = iota
	// AMDHuman means a short greeting followed by silence ("Hello?").
	AMDHuman
	// AMDMachine means a long greeting (a recorded message).
	AMDMachine
	// AMDSilence means nobody spoke within the initial silence window.
	AMDSilence
)

// String returns the verdict's name.
func (r AMDResult) String() string {
	switch r {
	case AMDHuman:
		return "human"
	case AMDMachine:
		return "machine"
	case AMDSilence:
		return "silence"
	}
	return "undecided"
}

// AMDConfig tunes the answering-machine heuristic; zero fields take the
// defaults in brackets.
type AMDConfig struct {
	// VAD configures the underlying detector.
	VAD VADConfig
	// InitialSilence without speech gives AMDSilence [3.5 s].
	InitialSilence time.Duration
	// MaxGreeting is the longest greeting a human gives; speech (with gaps
	// shorter than AfterGreeting) lasting longer gives AMDMachine [2.5 s].
	MaxGreeting time.Duration
	// AfterGreeting is the silence after a short greeting that gives
	// AMDHuman [800 ms].
	AfterGreeting time.Duration
}

// AMD is a simple answering-machine detector on top of VAD: people answer
// with a short greeting and wait; machines talk for longer. Its limits: a
// person who answers with a long sentence is called a machine, a machine with
// a very short greeting is called a human, and music or loud noise counts as
// speech. Not safe for concurrent use.
type AMD struct {
	cfg      AMDConfig
	vad      *VAD
	elapsed  time.Duration
	started  bool
	greeting time.Duration // from the first speech to the end of the last
	quiet    time.Duration // current silence after speech
	result   AMDResult
}

// NewAMD returns a detector.
func NewAMD(cfg AMDConfig) *AMD {
	if cfg.InitialSilence == 0 {
		cfg.InitialSilence = 3500 * time.Millisecond
	}
	if cfg.MaxGreeting == 0 {
		cfg.MaxGreeting = 2500 * time.Millisecond
	}
	if cfg.AfterGreeting == 0 {
		cfg.AfterGreeting = 800 * time.Millisecond
	}
	return &AMD{cfg: cfg, vad: NewVAD(cfg.VAD)}
}

// Feed takes the next 20 ms frame of the answered call and returns the
// verdict; once decided, the verdict does not change.
func (a *AMD) Feed(frame []int16) AMDResult {
	if a.result != AMDUndecided {
		return a.result
	}
	a.elapsed += FramePeriod
	speech := a.vad.Process(frame)
	switch {
	case !a.started && !speech:
		if a.elapsed >= a.cfg.InitialSilence {
			a.result = AMDSilence
		}
	case speech:
		a.started = true
		a.greeting += a.quiet + FramePeriod
		a.quiet = 0
		if a.greeting > a.cfg.MaxGreeting {
			a.result = AMDMachine
		}
	default:
		a.quiet += FramePeriod
		if a.quiet >= a.cfg.AfterGreeting {
			a.result = AMDHuman
		}
	}
	return a.result
}

// Result returns the verdict so far.
func (a *AMD) Result() AMDResult { return a.result }
