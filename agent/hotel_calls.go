package agent

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
)

// hotelRoomPrefix starts the callee id of a room in the calls engine
// ("room:101"): the user id of a room's calls, in the call history and
// on the events.
const hotelRoomPrefix = "room:"

// The hotel's hooks in the calls engine are late-bound: the engine is
// built before the hotel (feature list), so each hook reads d.hotel when
// it runs; nil (no hotel) leaves calls as they were.

// hotelCallsOptions are the calls engine's hooks to the hotel: the gate
// of rooms' calls and the rooms' feature codes.
func hotelCallsOptions(d *Daemon) []calls.Option {
	return []calls.Option{
		calls.WithGate(func(ctx context.Context, from calls.Origin, kind calls.Kind, number string) calls.GateDecision {
			return hotelGate(ctx, d.hotel, from, kind, number)
		}),
		calls.WithFeatures(hotelFeatures{d: d}, calls.FeatureSounds{}),
	}
}

// hotelGate asks the hotel about a call from a room: an outbound call is
// barred (the hotel's barred sound) unless the room's state and class of
// service allow the number's class (emergency always); every call from a
// room, internal ones included, shows the room's caller name. Callers
// that are no room's go on unchanged.
func hotelGate(ctx context.Context, m *manager.Manager, from calls.Origin, kind calls.Kind, number string) calls.GateDecision {
	if m == nil {
		return calls.GateDecision{}
	}
	o := hotel.Origin{Endpoint: from.Endpoint, Extension: from.Extension}
	if kind != calls.KindOutbound {
		// An internal call stays inside the hotel: never barred, the
		// room's name shown.
		name, _ := m.CallerName(ctx, o)
		return calls.GateDecision{CallerName: name}
	}
	dec := m.Gate(ctx, o, number)
	if dec.Room == "" {
		return calls.GateDecision{}
	}
	out := calls.GateDecision{CallerName: dec.CallerName, Barred: !dec.Allowed}
	if out.Barred {
		if s := m.Settings().BarredSound; s != "" {
			out.Sound = []string{s}
		}
	}
	return out
}

// hotelFeatures are the rooms' feature codes (hotel.codes.*) as the
// calls engine takes them: the wake-up code asks for HHMM.
type hotelFeatures struct{ d *Daemon }

// feature is the hotel feature of code.
func (f hotelFeatures) feature(m *manager.Manager, code string) (hotel.Feature, bool) {
	for ft, c := range m.Settings().Codes {
		if c == code {
			return ft, true
		}
	}
	return "", false
}

// Code implements calls.Features: a hotel code dialled from a room's
// phone.
func (f hotelFeatures) Code(ctx context.Context, from calls.Origin, code string) (calls.FeatureCode, bool) {
	m := f.d.hotel
	if m == nil {
		return calls.FeatureCode{}, false
	}
	ft, ok := f.feature(m, code)
	if !ok {
		return calls.FeatureCode{}, false
	}
	r, _, room := m.RoomOf(ctx, hotel.Origin{Endpoint: from.Endpoint, Extension: from.Extension})
	if !room {
		return calls.FeatureCode{}, false
	}
	if ft == hotel.FeatureWakeUp {
		// The prompt in the guest's language, else the hotel's.
		lang := m.Settings().Language
		if r.Guest != nil && r.Guest.Language != "" {
			lang = r.Guest.Language
		}
		return calls.FeatureCode{Digits: 4, Prompt: []string{defaultHotelSounds.setWakeUp}, Lang: lang}, true
	}
	return calls.FeatureCode{}, true
}

// Perform implements calls.Features.
func (f hotelFeatures) Perform(ctx context.Context, from calls.Origin, code, digits string) error {
	m := f.d.hotel
	if m == nil {
		return errNoHotel
	}
	ft, ok := f.feature(m, code)
	if !ok {
		return errNoHotel
	}
	return m.Feature(ctx, hotel.Origin{Endpoint: from.Endpoint, Extension: from.Extension}, ft, digits)
}

// errNoHotel: the hotel is off, or the code is none of its.
var errNoHotel = errors.New("not a hotel feature code")

// hotelRoomCallee is the room reached at extension ext (or, with
// byEndpoint, owning endpoint ext) as the calls engine rings it: id
// "room:<number>", the room's caller name, its first extension and its
// devices. The room is found through the manager's indexes (RoomOf), not
// by a scan: this runs for every dialplan call no user takes.
func hotelRoomCallee(ctx context.Context, m *manager.Manager, ext string, byEndpoint bool) (calls.Callee, bool) {
	if m == nil || ext == "" {
		return calls.Callee{}, false
	}
	o := hotel.Origin{Extension: ext}
	if byEndpoint {
		o = hotel.Origin{Endpoint: ext}
	}
	r, name, ok := m.RoomOf(ctx, o)
	if !ok {
		return calls.Callee{}, false
	}
	return calls.Callee{ID: hotelRoomPrefix + r.Number, Name: name, Extension: firstOr(r.Extensions, r.Number),
		Devices: slices.Clone(r.Devices)}, true
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// hotelAvailable wraps the users' availability: a room is available
// unless in DND.
func hotelAvailable(d *Daemon, users calls.Availability) calls.Availability {
	return func(ctx context.Context, id string) bool {
		if n, ok := strings.CutPrefix(id, hotelRoomPrefix); ok {
			if m := d.hotel; m != nil {
				r, found := m.Room(ctx, n)
				return !found || !r.DND
			}
			return true
		}
		return users == nil || users(ctx, id)
	}
}

// hotelCallTee is a calls.Publisher that tells the hotel of every
// outbound call of a room that ended (call_ended), to be costed and put
// on the bill, then passes the event on.
type hotelCallTee struct {
	next calls.Publisher
	d    *Daemon
	// trunk is the trunk of the dial string (ari.calls_dial after '@').
	trunk string
}

// hotelCallTimeout bounds telling the hotel of an ended call.
const hotelCallTimeout = 5 * time.Second

// Publish implements calls.Publisher.
func (t hotelCallTee) Publish(ctx context.Context, topic, typ string, audience []string, data any) {
	if m := t.d.hotel; m != nil && topic == calls.TopicCalls && typ == calls.EventEnded {
		if c, ok := data.(calls.Call); ok {
			if rec, ok := hotelCallRecord(m, c, t.trunk); ok {
				hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hotelCallTimeout)
				m.CallEnded(hctx, rec)
				cancel()
			}
		}
	}
	if t.next != nil {
		t.next.Publish(ctx, topic, typ, audience, data)
	}
}

// hotelCallRecord is the call record of a room's ended outbound call:
// the number dialled and its class, the trunk, when it was placed and
// answered, and the answered time (seconds rounded up). False for any
// other call.
func hotelCallRecord(m *manager.Manager, c calls.Call, trunk string) (hotel.CallRecord, bool) {
	return hotelCallRecordOf(c, trunk, m.Classify)
}

// hotelCallRecordOf is hotelCallRecord with classify telling the class.
func hotelCallRecordOf(c calls.Call, trunk string, classify func(string) hotel.Class) (hotel.CallRecord, bool) {
	room, ok := strings.CutPrefix(c.UserID, hotelRoomPrefix)
	if !ok || c.Direction != calls.Outbound {
		return hotel.CallRecord{}, false
	}
	rec := hotel.CallRecord{CallID: c.ID, Room: room, Number: c.To, Class: classify(c.To), Trunk: trunk, Start: c.CreatedAt}
	if c.AnsweredAt != nil {
		at := *c.AnsweredAt
		rec.Answered = &at
		if c.EndedAt != nil && c.EndedAt.After(at) {
			rec.Duration = c.EndedAt.Sub(at)
			rec.Seconds = int(math.Ceil(rec.Duration.Seconds()))
		}
	}
	return rec, true
}

// dialTrunk is the trunk of a dial string: the resource after '@'
// ("my-trunk" in "PJSIP/{to}@my-trunk"), "" when none.
func dialTrunk(dial string) string {
	if _, t, ok := strings.Cut(dial, "@"); ok {
		return t
	}
	return ""
}
