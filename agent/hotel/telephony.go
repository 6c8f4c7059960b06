package hotel

import (
	"context"
	"time"
)

// Telephony is what the hotel asks of the PBX (agent/hotel_telephony.go
// on the calls engine and ARI; a fake in tests and testlab).
type Telephony interface {
	// ApplyRoom makes the PBX show r: DND on its extensions, the message
	// light on its phones, and the classes it may call while pbxagent is
	// down (offline) where the dialplan reads them.
	ApplyRoom(ctx context.Context, r Room, offline []Class) error
	// WakeUpCall rings r's phones for attempt n (1-based) of w and plays
	// the wake-up prompt in language; Sink.WakeUpResult follows.
	WakeUpCall(ctx context.Context, w WakeUp, r Room, attempt int, language string) error
	// AlertReception rings the reception extension about w, unanswered.
	AlertReception(ctx context.Context, extension string, w WakeUp) error
}

// PMS is what the hotel tells a property-management system
// (agent/hotel/fias implements it over a FIAS link). Each call returns
// once the message is queued; a link that is down sends it when it is
// back (postings are kept across restarts).
type PMS interface {
	// RoomStatus reports a change made at the PBX (phone or console) to
	// housekeeping, DND, message light or class (FIAS RE).
	RoomStatus(ctx context.Context, r Room, ch StatusChange) error
	// WakeUpAnswer reports a wake-up's final result (FIAS WA).
	WakeUpAnswer(ctx context.Context, w WakeUp) error
	// Post queues a call charge (FIAS PS) and returns its posting
	// sequence number (P#); the PMS's PA comes back through
	// Service.ChargePosted.
	Post(ctx context.Context, c Charge) (int, error)
}

// WakeUpScheduler places wake-up calls at their time, at most a cap at
// once, with retries (agent/hotel/wakeup implements it). The manager
// keeps wake-ups in its store and tells the scheduler; the scheduler
// reports every change of a wake-up through the function it was built
// with.
type WakeUpScheduler interface {
	// Schedule adds or replaces a live wake-up (by ID).
	Schedule(ctx context.Context, w WakeUp, r Room)
	// Cancel drops a wake-up; an attempt ringing is hung up.
	Cancel(ctx context.Context, id string)
	// Result is Sink.WakeUpResult passed on.
	Result(ctx context.Context, id string, attempt int, o WakeOutcome, snooze time.Duration)
	// Close stops the timers.
	Close()
}

// WakeUpHangUp is what a Telephony may also implement: hang up attempt n
// of wake-up id while it rings or plays (the wake-up was canceled). The
// wake-up scheduler calls it when the Telephony has it; the attempt's
// late WakeUpResult is ignored either way.
type WakeUpHangUp interface {
	HangUpWakeUp(ctx context.Context, id string, attempt int) error
}
