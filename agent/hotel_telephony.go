package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/presence"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
)

// HotelOfflineVariable is the global variable (POST /asterisk/variable)
// holding the classes a room's extension may call while pbxagent is
// down, comma-separated ("internal,local"; "emergency" when none):
// ${PBXAGENT_HOTEL_101} in the dialplan (docs/asterisk.md#hotel-rooms).
// Not astdb: DB() is an escalating function that ARI's HTTP threads may
// not write on a stock Asterisk (funcs/func_db.c, main/tcptls.c).
func HotelOfflineVariable(ext string) string { return "PBXAGENT_HOTEL_" + ext }

// HotelMailboxContext is the context of the rooms' mailboxes: the
// message light of extension 101 is mailbox 101@pbxagent
// (res_mwi_external), which the room phone's PJSIP endpoint names
// (mailboxes=101@pbxagent).
const HotelMailboxContext = "pbxagent"

// hotelSounds are the prompts of the hotel's telephony (ARI media URIs).
// The wake-up prompts are in Asterisk's extra sounds package
// (asterisk-extra-sounds-en); the others in the core sounds.
type hotelSounds struct {
	// wakeUp opens a wake-up call: "This is your wake-up call".
	wakeUp string
	// snooze is "To snooze for" … minutes "press 1".
	snooze, minutes, press1 string
	// oclock follows a whole hour.
	oclock string
	// setWakeUp is the prompt of the wake-up code: enter HHMM.
	setWakeUp string
	// alert is what reception hears before the room number, unavail
	// after it.
	alert, unavail string
}

var defaultHotelSounds = hotelSounds{
	wakeUp: "sound:this-is-yr-wakeup-call", snooze: "sound:to-snooze-for", minutes: "sound:minutes", press1: "sound:press-1",
	oclock: "sound:digits/oclock", setWakeUp: "sound:to-rqst-wakeup-call",
	alert: "sound:wakeup-call", unavail: "sound:vm-isunavail",
}

// hotelTelephony is the hotel's PBX side (hotel.Telephony) on the calls
// engine and ARI: a room's state shown on Asterisk, wake-up calls and
// alerts to reception placed as announcements. Its goroutines (one per
// call in progress) stop with Close.
type hotelTelephony struct {
	eng    *calls.Engine
	cli    ari.Client
	mbox   ari.Mailboxes
	users  *users.Service
	st     hotel.Settings
	sounds hotelSounds
	log    *slog.Logger
	// sink is told how wake-up calls went (the manager; set before the
	// first call).
	sink hotel.Sink

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	ringing map[string]context.CancelFunc // wake-up id/attempt -> its end
	// conns are the ARI reconciliations (after each connection).
	conns *ari.Subscription
}

var (
	_ hotel.Telephony    = (*hotelTelephony)(nil)
	_ hotel.WakeUpHangUp = (*hotelTelephony)(nil)
)

// newHotelTelephony is the telephony on the daemon's calls engine; nil
// without one (no ARI, no calls application).
func newHotelTelephony(d *Daemon, st hotel.Settings, log *slog.Logger) *hotelTelephony {
	if d.callsEng == nil || d.ari == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &hotelTelephony{eng: d.callsEng, cli: d.ari, mbox: d.ari, users: d.users, st: st, sounds: defaultHotelSounds,
		log: log, ctx: ctx, cancel: cancel, ringing: map[string]context.CancelFunc{},
		// Subscribed now, before the client connects: the first
		// reconciliation is not missed.
		conns: d.ari.Events().Subscribe(ari.Filter{Types: []string{ari.TypeReconciled}})}
}

// follow calls applyAll after each reconciliation with Asterisk (every
// connection: Asterisk may have restarted and lost the global variables,
// or missed changes while pbxagent was away), until ctx ends.
func (t *hotelTelephony) follow(ctx context.Context, applyAll func(context.Context)) {
	if t.conns == nil {
		return
	}
	defer t.conns.Cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-t.conns.Events():
			if !ok {
				return
			}
			applyAll(ctx)
		}
	}
}

// Close hangs up the calls in progress and waits for their goroutines.
func (t *hotelTelephony) Close() {
	t.cancel()
	if t.conns != nil {
		t.conns.Cancel()
	}
	t.wg.Wait()
}

// ApplyRoom implements hotel.Telephony: for each of the room's
// extensions the offline classes (HotelOfflineVariable), the DND lamp and
// presence state as presence shows a user's (Stasis:dnd-<ext>,
// CustomPresence:<ext>), and the message light (mailbox
// <ext>@pbxagent). Every write is tried; the errors are joined.
func (t *hotelTelephony) ApplyRoom(ctx context.Context, r hotel.Room, offline []hotel.Class) error {
	classes := make([]string, 0, len(offline))
	for _, c := range offline {
		classes = append(classes, string(c))
	}
	if r.Occupancy != hotel.Occupied {
		classes = []string{string(hotel.ClassInternal)}
	}
	value := strings.Join(classes, ",")
	if value == "" {
		value = string(hotel.ClassEmergency)
	}
	lamp, pst := "NOT_INUSE", presence.Available
	if r.DND {
		lamp, pst = "BUSY", presence.DND
	}
	newMsgs := 0
	if r.MessageLight {
		newMsgs = 1
	}
	var errs []error
	for _, ext := range r.Extensions {
		if err := t.cli.Asterisk().SetVariable(ctx, HotelOfflineVariable(ext), value); err != nil {
			errs = append(errs, fmt.Errorf("room %s: offline classes of %s: %w", r.Number, ext, err))
		}
		if err := t.cli.DeviceStates().Update(ctx, presence.DeviceName(ext), lamp); err != nil {
			errs = append(errs, fmt.Errorf("room %s: DND lamp of %s: %w", r.Number, ext, err))
		}
		if err := t.cli.Asterisk().SetVariable(ctx, presence.PresenceVariable(ext), presence.PresenceValue(pst, "")); err != nil {
			errs = append(errs, fmt.Errorf("room %s: presence of %s: %w", r.Number, ext, err))
		}
		if t.mbox != nil {
			if err := t.mbox.UpdateMailbox(ctx, ext+"@"+HotelMailboxContext, 0, newMsgs); err != nil {
				errs = append(errs, fmt.Errorf("room %s: message light of %s: %w", r.Number, ext, err))
			}
		}
	}
	return errors.Join(errs...)
}

// wakeUpCode is the number wake-up calls show (the wake-up feature code,
// else "wakeup").
func (t *hotelTelephony) wakeUpCode() string {
	if c := t.st.Codes[hotel.FeatureWakeUp]; c != "" {
		return c
	}
	return "wakeup"
}

// wakeUpMedia is the wake-up prompt: "this is your wake-up call", the
// time (hours, then minutes or o'clock), and "to snooze for N minutes
// press 1" when snoozing is on.
func (t *hotelTelephony) wakeUpMedia(at time.Time) []string {
	loc := t.st.Location
	if loc == nil {
		loc = time.Local
	}
	at = at.In(loc)
	m := []string{t.sounds.wakeUp, "number:" + strconv.Itoa(at.Hour())}
	if at.Minute() == 0 {
		m = append(m, t.sounds.oclock)
	} else {
		m = append(m, "number:"+strconv.Itoa(at.Minute()))
	}
	if sn := t.st.WakeUp.Snooze; sn > 0 {
		m = append(m, t.sounds.snooze, "number:"+strconv.Itoa(int(sn/time.Minute)), t.sounds.minutes, t.sounds.press1)
	}
	return m
}

// attemptKey names a wake-up attempt in ringing.
func attemptKey(id string, n int) string { return id + "/" + strconv.Itoa(n) }

// WakeUpCall implements hotel.Telephony: the room's phones ring at once
// ("Wake-up" <*44>) for hotel.wakeup.ring_timeout; whoever answers hears
// the prompt in language; 1 snoozes. The outcome goes to the sink when
// the call is over.
func (t *hotelTelephony) WakeUpCall(ctx context.Context, w hotel.WakeUp, r hotel.Room, attempt int, language string) error {
	if len(r.Devices) == 0 {
		return fmt.Errorf("wake-up %s: room %s has no device", w.ID, r.Number)
	}
	key := attemptKey(w.ID, attempt)
	cctx, cancel := context.WithCancel(t.ctx)
	t.mu.Lock()
	t.ringing[key] = cancel
	t.mu.Unlock()
	req := calls.AnnounceRequest{ID: "pbxwake-" + safeID(w.ID) + "-" + strconv.Itoa(attempt), Devices: r.Devices,
		CallerID: calls.CallerID("Wake-up", t.wakeUpCode()), Timeout: t.st.WakeUp.RingTimeout,
		Media: t.wakeUpMedia(w.At), Lang: language, KeyWait: 5 * time.Second,
		Variables: map[string]string{"PBXAGENT_WAKEUP": w.ID}}
	if t.st.WakeUp.Snooze > 0 {
		req.Keys = "1"
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() {
			t.mu.Lock()
			delete(t.ringing, key)
			t.mu.Unlock()
			cancel()
		}()
		res, err := t.eng.Announce(cctx, req)
		o, snooze := wakeOutcome(res, err), time.Duration(0)
		if o == hotel.WakeOutcomeSnoozed {
			snooze = t.st.WakeUp.Snooze
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			t.log.Warn("hotel: wake-up call failed", "wakeup", w.ID, "room", r.Number, "attempt", attempt, "err", err)
		}
		if t.sink != nil && t.ctx.Err() == nil {
			t.sink.WakeUpResult(context.WithoutCancel(cctx), w.ID, attempt, o, snooze)
		}
	}()
	return nil
}

// wakeOutcome maps an announcement's end to a wake-up attempt's outcome.
func wakeOutcome(res calls.AnnounceResult, err error) hotel.WakeOutcome {
	switch {
	case err != nil:
		return hotel.WakeOutcomeFailed
	case res.Answered && res.Key == "1":
		return hotel.WakeOutcomeSnoozed
	case res.Answered:
		return hotel.WakeOutcomeAnswered
	case res.Status == calls.StatusBusy:
		return hotel.WakeOutcomeBusy
	case res.Status == calls.StatusNoAnswer:
		return hotel.WakeOutcomeNoAnswer
	}
	return hotel.WakeOutcomeFailed
}

// HangUpWakeUp implements hotel.WakeUpHangUp: the attempt's phones stop
// ringing (or the prompt stops); its result is still reported.
func (t *hotelTelephony) HangUpWakeUp(_ context.Context, id string, attempt int) error {
	t.mu.Lock()
	cancel := t.ringing[attemptKey(id, attempt)]
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

// AlertReception implements hotel.Telephony: the reception extension's
// phones ring (the devices of the user who has it, else PJSIP/<ext>) and
// whoever answers hears "wake-up call, room 1 0 1, is unavailable".
func (t *hotelTelephony) AlertReception(ctx context.Context, extension string, w hotel.WakeUp) error {
	if extension == "" {
		return nil
	}
	devices := []string{"PJSIP/" + extension}
	if t.users != nil {
		if u, ok := t.users.ByExtension(extension); ok && len(u.Devices.Endpoints) > 0 {
			devices = u.Devices.Endpoints
		}
	}
	req := calls.AnnounceRequest{ID: "pbxalert-" + safeID(w.ID), Devices: devices,
		CallerID: calls.CallerID("Wake-up "+w.Room, t.wakeUpCode()), Timeout: t.st.WakeUp.RingTimeout,
		Media: []string{t.sounds.alert, "digits:" + w.Room, t.sounds.unavail}, Lang: t.st.Language}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		res, err := t.eng.Announce(t.ctx, req)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.log.Warn("hotel: alert to reception failed", "wakeup", w.ID, "room", w.Room, "reception", extension, "err", err)
			return
		}
		t.log.Info("hotel: reception told of an unanswered wake-up", "wakeup", w.ID, "room", w.Room, "answered", res.Answered, "status", res.Status)
	}()
	return nil
}

// safeID keeps the characters of id that are safe in a channel id.
func safeID(id string) string {
	var b strings.Builder
	for _, c := range id {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
