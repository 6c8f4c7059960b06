package hotel

import "time"

// Settings are the hotel's daemon-wide settings (config keys hotel.*,
// agent/config; defaults in DefaultSettings).
type Settings struct {
	// Location is the hotel's time zone: wake-up times, bill dates.
	Location *time.Location
	// Language is the prompts' language when the guest has none.
	Language string
	// DefaultClass is an occupied room's class of service when neither
	// the room nor its group sets one.
	DefaultClass Class
	// Emergency numbers are never barred (default 112, 911, 999).
	Emergency []string
	// Numbering classifies dialled numbers.
	Numbering Numbering
	// Offline is what an occupied room may call while pbxagent is down
	// (the dialplan reads it, docs/asterisk.md); a vacant room: internal.
	// Emergency is always allowed.
	Offline []Class
	// Reception is the extension called about an unanswered wake-up
	// ("": none, the event only).
	Reception string
	// WakeUp is how wake-up calls are placed.
	WakeUp WakeUpSettings
	// Codes are the feature codes room phones dial.
	Codes map[Feature]string
	// BarredSound is what a barred call hears (an ARI media URI).
	BarredSound string
}

// Numbering classifies a dialled number: emergency when listed; internal
// when at most InternalMaxDigits long; international after
// InternationalPrefix; national after NationalPrefix; local otherwise.
// Rules, longest prefix first, come before all of these.
type Numbering struct {
	InternalMaxDigits   int
	InternationalPrefix string
	NationalPrefix      string
	// Rules map prefixes to classes (e.g. "0800" → local).
	Rules map[string]Class
}

// WakeUpSettings are the wake-up calls' settings (FreePBX hotelwakeup's
// defaults: 3 retries 60 s apart, each ringing 60 s).
type WakeUpSettings struct {
	// Retries after the first attempt.
	Retries int
	// RetryInterval between the end of an attempt and the next.
	RetryInterval time.Duration
	// RingTimeout is how long an attempt rings.
	RingTimeout time.Duration
	// Snooze is the delay when the guest presses the snooze key.
	Snooze time.Duration
	// MaxConcurrent caps the wake-up calls in progress (the trunk or PBX
	// capacity given to them).
	MaxConcurrent int
	// Window: a wake-up not placed within this long after its time (the
	// daemon was down) is reported unanswered instead of ringing late.
	Window time.Duration
}

// DefaultSettings are the settings without configuration.
func DefaultSettings() Settings {
	return Settings{
		Location:     time.Local,
		Language:     "en",
		DefaultClass: ClassInternational,
		Emergency:    []string{"112", "911", "999"},
		Numbering:    Numbering{InternalMaxDigits: 4, InternationalPrefix: "00", NationalPrefix: "0"},
		Offline:      []Class{ClassInternal, ClassLocal},
		WakeUp: WakeUpSettings{Retries: 3, RetryInterval: 60 * time.Second, RingTimeout: 60 * time.Second,
			Snooze: 5 * time.Minute, MaxConcurrent: 150, Window: 30 * time.Minute},
		Codes: map[Feature]string{FeatureMakeUpRequested: "*41", FeatureMakeUpDone: "*42", FeatureInspected: "*43",
			FeatureWakeUp: "*44", FeatureWakeUpCancel: "*45"},
		BarredSound: "sound:ss-noservice",
	}
}
