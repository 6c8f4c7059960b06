package presence

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/phonebook"
)

// DeviceName is the ARI-controlled device state of an extension's DND
// lamp: ARI writes only devices named "Stasis:<name>"
// (res/res_stasis_device_state.c), and a hint names it the same way
// (exten => 101,hint,PJSIP/101&Stasis:dnd-101,CustomPresence:101).
func DeviceName(ext string) string { return "Stasis:dnd-" + ext }

// PresenceVariable is the dialplan function setting an extension's
// Asterisk presence state (funcs/func_presencestate.c): written through
// ARI POST /asterisk/variable, which calls ast_func_write for a name
// ending in ')' (main/pbx_variables.c pbx_builtin_setvar_helper).
func PresenceVariable(ext string) string { return "PRESENCE_STATE(CustomPresence:" + ext + ")" }

// maxPresenceMessage is the most bytes of a message put in Asterisk's
// presence state: func_presencestate decodes a base64 message into a 256
// byte buffer.
const maxPresenceMessage = 180

// PresenceValue is what PRESENCE_STATE(CustomPresence:…) is set to for a
// state: "available", or "away"/"dnd" with the message base64 encoded
// ("dnd,,<base64>,e": state,subtype,message,options; the e option says
// the subtype and message are base64, so that a comma in the message does
// not split it — see the PRESENCE_STATE documentation,
// https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Dialplan_Functions/PRESENCE_STATE/).
func PresenceValue(st State, msg string) string {
	v := string(st)
	if st == "" {
		v = string(Available)
	}
	if msg == "" {
		return v
	}
	for len(msg) > maxPresenceMessage {
		_, n := utf8.DecodeLastRuneInString(msg)
		msg = msg[:len(msg)-n]
	}
	return v + ",," + base64.StdEncoding.EncodeToString([]byte(msg)) + ",e"
}

// Device states a DND lamp takes.
const (
	lampDND = "BUSY"
	lampOff = "NOT_INUSE"
)

// appliedKey keeps, in the KV, the extensions the PBX was told about, so
// that a later run clears those no user has any more.
const appliedKey = "_pbx"

// pbxClient is the part of the ARI client the PBX side uses.
type pbxClient interface {
	DeviceStates() ari.DeviceStates
	Asterisk() ari.Asterisk
}

// PBX shows users' states on Asterisk through ARI.
type PBX struct {
	cli pbxClient
	kv  KV
	log *slog.Logger

	mu      sync.Mutex // serialises what is sent, so the last state wins
	applied map[string]bool
	loaded  bool
}

// NewPBX returns the PBX side on cli, remembering in kv what it set.
func NewPBX(cli pbxClient, kv KV, log *slog.Logger) *PBX {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PBX{cli: cli, kv: kv, log: log, applied: map[string]bool{}}
}

// loadLocked reads the extensions applied by an earlier run.
func (p *PBX) loadLocked(ctx context.Context) {
	if p.loaded {
		return
	}
	b, err := p.kv.Get(ctx, appliedKey)
	switch {
	case errors.Is(err, phonebook.ErrNotFound):
		p.loaded = true
	case err != nil:
		p.log.Warn("presence: read the extensions shown on the PBX", "err", err)
	default:
		var exts []string
		if err := json.Unmarshal(b, &exts); err != nil {
			p.log.Warn("presence: unreadable list of extensions shown on the PBX", "err", err)
		}
		for _, x := range exts {
			p.applied[x] = true
		}
		p.loaded = true
	}
}

func (p *PBX) saveLocked(ctx context.Context) {
	exts := make([]string, 0, len(p.applied))
	for x := range p.applied {
		exts = append(exts, x)
	}
	slices.Sort(exts)
	b, _ := json.Marshal(exts)
	if err := p.kv.Put(ctx, appliedKey, b); err != nil {
		p.log.Warn("presence: keep the extensions shown on the PBX", "err", err)
	}
}

// Apply shows st on each extension: the DND lamp (BUSY in DND, NOT_INUSE
// otherwise) and the presence state. Errors are logged: the next
// reconciliation puts it right.
func (p *PBX) Apply(ctx context.Context, exts []string, st State, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loadLocked(ctx)
	fresh := false
	for _, x := range exts {
		p.applyLocked(ctx, x, st, msg)
		if !p.applied[x] {
			p.applied[x], fresh = true, true
		}
	}
	if fresh {
		p.saveLocked(ctx)
	}
}

func (p *PBX) applyLocked(ctx context.Context, ext string, st State, msg string) {
	lamp := lampOff
	if st == DND {
		lamp = lampDND
	}
	if err := p.cli.DeviceStates().Update(ctx, DeviceName(ext), lamp); err != nil {
		p.log.Warn("presence: set the DND device state", "device", DeviceName(ext), "err", err)
	}
	if err := p.cli.Asterisk().SetVariable(ctx, PresenceVariable(ext), PresenceValue(st, msg)); err != nil {
		p.log.Warn("presence: set the presence state", "extension", ext, "err", err)
	}
}

// Want is what the PBX should show for one extension.
type Want struct {
	State   State
	Message string
}

// Reconcile makes the PBX show want (by extension) and nothing else: the
// DND lamps and presence states of extensions no user has any more (a
// user deleted, an extension moved) are cleared — the lamps deleted, the
// presence states set to not_set.
func (p *PBX) Reconcile(ctx context.Context, want map[string]Want) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loadLocked(ctx)
	exts := make([]string, 0, len(want))
	for x := range want {
		exts = append(exts, x)
	}
	slices.Sort(exts)
	for _, x := range exts {
		p.applyLocked(ctx, x, want[x].State, want[x].Message)
	}
	stale := map[string]bool{}
	for x := range p.applied {
		if _, ok := want[x]; !ok {
			stale[x] = true
		}
	}
	if list, err := p.cli.DeviceStates().List(ctx); err != nil {
		p.log.Warn("presence: list the device states", "err", err)
	} else {
		for _, d := range list {
			if x, ok := strings.CutPrefix(d.Name, "Stasis:dnd-"); ok {
				if _, wanted := want[x]; !wanted {
					stale[x] = true
				}
			}
		}
	}
	for x := range stale {
		if err := p.cli.DeviceStates().Delete(ctx, DeviceName(x)); err != nil && !ari.IsNotFound(err) {
			p.log.Warn("presence: delete a stale DND device state", "device", DeviceName(x), "err", err)
		}
		if err := p.cli.Asterisk().SetVariable(ctx, PresenceVariable(x), "not_set"); err != nil {
			p.log.Warn("presence: clear a stale presence state", "extension", x, "err", err)
		}
	}
	p.applied = map[string]bool{}
	for x := range want {
		p.applied[x] = true
	}
	p.saveLocked(ctx)
}
