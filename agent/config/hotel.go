package config

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// Hotel configures the hotel manager (agent/hotel, docs/hotel.md);
// Settings turns it into hotel.Settings.
type Hotel struct {
	// TimeZone is the hotel's IANA zone: wake-up times and bill dates;
	// empty: the system's local zone.
	TimeZone string `yaml:"time_zone"`
	// Language is the wake-up prompts' language when the guest has none.
	Language string `yaml:"language"`
	// DefaultClass is an occupied room's class of service when neither
	// the room nor its group sets one.
	DefaultClass string `yaml:"default_class"`
	// Emergency are the numbers never barred.
	Emergency []string `yaml:"emergency"`
	// Numbering classifies dialled numbers.
	Numbering HotelNumbering `yaml:"numbering"`
	// OfflineClasses are what an occupied room may call while pbxagent is
	// down (the dialplan reads them).
	OfflineClasses []string `yaml:"offline_classes"`
	// Reception is the extension called about an unanswered wake-up.
	Reception string `yaml:"reception"`
	// WakeUp is how wake-up calls are placed.
	WakeUp HotelWakeUp `yaml:"wakeup"`
	// Codes are the feature codes room phones dial.
	Codes HotelCodes `yaml:"codes"`
	// BarredSound is what a barred call hears (an ARI media URI).
	BarredSound string `yaml:"barred_sound"`
	// FIAS is the link to the property-management system (hotel_fias.go).
	FIAS HotelFIAS `yaml:"fias"`
}

// HotelNumbering is hotel.Numbering's keys.
type HotelNumbering struct {
	InternalMaxDigits   int    `yaml:"internal_max_digits"`
	InternationalPrefix string `yaml:"international_prefix"`
	NationalPrefix      string `yaml:"national_prefix"`
}

// HotelWakeUp is hotel.WakeUpSettings' keys.
type HotelWakeUp struct {
	Retries       int           `yaml:"retries"`
	RetryInterval time.Duration `yaml:"retry_interval"`
	RingTimeout   time.Duration `yaml:"ring_timeout"`
	Snooze        time.Duration `yaml:"snooze"`
	MaxConcurrent int           `yaml:"max_concurrent"`
	Window        time.Duration `yaml:"window"`
}

// HotelCodes are the feature codes of the room phones.
type HotelCodes struct {
	MakeUpRequested string `yaml:"makeup_requested"`
	MakeUpDone      string `yaml:"makeup_done"`
	Inspected       string `yaml:"inspected"`
	WakeUp          string `yaml:"wakeup"`
	WakeUpCancel    string `yaml:"wakeup_cancel"`
}

// DefaultHotel is the hotel's configuration made from
// hotel.DefaultSettings.
func DefaultHotel() Hotel {
	d := hotel.DefaultSettings()
	off := make([]string, len(d.Offline))
	for i, c := range d.Offline {
		off[i] = string(c)
	}
	return Hotel{
		Language:       d.Language,
		DefaultClass:   string(d.DefaultClass),
		Emergency:      slices.Clone(d.Emergency),
		Numbering:      HotelNumbering{InternalMaxDigits: d.Numbering.InternalMaxDigits, InternationalPrefix: d.Numbering.InternationalPrefix, NationalPrefix: d.Numbering.NationalPrefix},
		OfflineClasses: off,
		WakeUp: HotelWakeUp{Retries: d.WakeUp.Retries, RetryInterval: d.WakeUp.RetryInterval, RingTimeout: d.WakeUp.RingTimeout,
			Snooze: d.WakeUp.Snooze, MaxConcurrent: d.WakeUp.MaxConcurrent, Window: d.WakeUp.Window},
		Codes: HotelCodes{MakeUpRequested: d.Codes[hotel.FeatureMakeUpRequested], MakeUpDone: d.Codes[hotel.FeatureMakeUpDone],
			Inspected: d.Codes[hotel.FeatureInspected], WakeUp: d.Codes[hotel.FeatureWakeUp], WakeUpCancel: d.Codes[hotel.FeatureWakeUpCancel]},
		BarredSound: d.BarredSound,
		FIAS:        DefaultHotelFIAS(),
	}
}

var (
	hotelDigits = regexp.MustCompile(`^[0-9]{1,16}$`)
	hotelCode   = regexp.MustCompile(`^[*#]?[0-9*#]{1,8}$`)
	hotelLang   = regexp.MustCompile(`^[a-z]{2}$`)
	hotelPrefix = regexp.MustCompile(`^[0-9]{0,4}$`)
)

// Validate checks the hotel's keys (errors name the key).
func (h Hotel) Validate() error {
	if _, err := h.Settings(); err != nil {
		return err
	}
	return h.FIAS.Validate()
}

// Settings returns the hotel.Settings the keys make, or an error naming
// the key at fault.
func (h Hotel) Settings() (hotel.Settings, error) {
	st := hotel.DefaultSettings()
	st.Location = time.Local
	if h.TimeZone != "" {
		loc, err := time.LoadLocation(h.TimeZone)
		if err != nil {
			return st, fmt.Errorf("hotel.time_zone %q: not a known time zone", h.TimeZone)
		}
		st.Location = loc
	}
	if !hotelLang.MatchString(h.Language) {
		return st, fmt.Errorf("hotel.language %q: want a two-letter ISO 639-1 code", h.Language)
	}
	st.Language = h.Language
	c := hotel.Class(h.DefaultClass)
	if c.Rank() <= 0 {
		return st, fmt.Errorf("hotel.default_class %q: want internal, local, national or international", h.DefaultClass)
	}
	st.DefaultClass = c
	for _, n := range h.Emergency {
		if !hotelDigits.MatchString(n) {
			return st, fmt.Errorf("hotel.emergency %q: want digits", n)
		}
	}
	st.Emergency = slices.Clone(h.Emergency)
	if st.Emergency == nil {
		st.Emergency = []string{}
	}
	if h.Numbering.InternalMaxDigits < 1 || h.Numbering.InternalMaxDigits > 16 {
		return st, fmt.Errorf("hotel.numbering.internal_max_digits %d: want 1 to 16", h.Numbering.InternalMaxDigits)
	}
	if !hotelPrefix.MatchString(h.Numbering.InternationalPrefix) {
		return st, fmt.Errorf("hotel.numbering.international_prefix %q: want up to 4 digits", h.Numbering.InternationalPrefix)
	}
	if !hotelPrefix.MatchString(h.Numbering.NationalPrefix) {
		return st, fmt.Errorf("hotel.numbering.national_prefix %q: want up to 4 digits", h.Numbering.NationalPrefix)
	}
	st.Numbering = hotel.Numbering{InternalMaxDigits: h.Numbering.InternalMaxDigits,
		InternationalPrefix: h.Numbering.InternationalPrefix, NationalPrefix: h.Numbering.NationalPrefix}
	st.Offline = []hotel.Class{}
	for _, s := range h.OfflineClasses {
		c := hotel.Class(s)
		if c.Rank() <= 0 {
			return st, fmt.Errorf("hotel.offline_classes %q: want internal, local, national or international (emergency is always allowed)", s)
		}
		st.Offline = append(st.Offline, c)
	}
	if h.Reception != "" && !hotelDigits.MatchString(h.Reception) {
		return st, fmt.Errorf("hotel.reception %q: want an extension (digits)", h.Reception)
	}
	st.Reception = h.Reception
	w := h.WakeUp
	switch {
	case w.Retries < 0 || w.Retries > 10:
		return st, fmt.Errorf("hotel.wakeup.retries %d: want 0 to 10", w.Retries)
	case w.RetryInterval < 10*time.Second:
		return st, fmt.Errorf("hotel.wakeup.retry_interval %s: want at least 10s", w.RetryInterval)
	case w.RingTimeout < 5*time.Second || w.RingTimeout > 5*time.Minute:
		return st, fmt.Errorf("hotel.wakeup.ring_timeout %s: want 5s to 5m", w.RingTimeout)
	case w.Snooze < time.Minute || w.Snooze > time.Hour:
		return st, fmt.Errorf("hotel.wakeup.snooze %s: want 1m to 1h", w.Snooze)
	case w.MaxConcurrent < 1:
		return st, fmt.Errorf("hotel.wakeup.max_concurrent %d: want at least 1", w.MaxConcurrent)
	case w.Window < time.Minute:
		return st, fmt.Errorf("hotel.wakeup.window %s: want at least 1m", w.Window)
	}
	st.WakeUp = hotel.WakeUpSettings{Retries: w.Retries, RetryInterval: w.RetryInterval, RingTimeout: w.RingTimeout,
		Snooze: w.Snooze, MaxConcurrent: w.MaxConcurrent, Window: w.Window}
	codes := map[hotel.Feature]string{hotel.FeatureMakeUpRequested: h.Codes.MakeUpRequested, hotel.FeatureMakeUpDone: h.Codes.MakeUpDone,
		hotel.FeatureInspected: h.Codes.Inspected, hotel.FeatureWakeUp: h.Codes.WakeUp, hotel.FeatureWakeUpCancel: h.Codes.WakeUpCancel}
	seen := map[string]hotel.Feature{}
	for _, f := range []hotel.Feature{hotel.FeatureMakeUpRequested, hotel.FeatureMakeUpDone, hotel.FeatureInspected, hotel.FeatureWakeUp, hotel.FeatureWakeUpCancel} {
		code := codes[f]
		if code == "" {
			delete(codes, f) // off
			continue
		}
		if !hotelCode.MatchString(code) {
			return st, fmt.Errorf("hotel.codes.%s %q: want a feature code such as *41", f, code)
		}
		if o, dup := seen[code]; dup {
			return st, fmt.Errorf("hotel.codes.%s %q: the code of %s already", f, code, o)
		}
		seen[code] = f
	}
	for code, f := range seen {
		for other, g := range seen {
			if f != g && len(other) > len(code) && other[:len(code)] == code {
				return st, fmt.Errorf("hotel.codes.%s %q: a prefix of hotel.codes.%s %q", f, code, g, other)
			}
		}
	}
	st.Codes = codes
	st.BarredSound = h.BarredSound
	return st, nil
}
