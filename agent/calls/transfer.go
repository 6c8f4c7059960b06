package calls

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TransferMode is how a call is transferred.
type TransferMode string

// Transfer modes: blind (the destination is handed over at once; the
// user is done) and attended (the user talks to the recipient first).
const (
	Blind    TransferMode = "blind"
	Attended TransferMode = "attended"
)

// TransferState is where a transfer is in its life (after Wazo's
// transfer states).
type TransferState string

// States of a transfer: starting (the recipient is being called),
// ringback (the recipient rings), answered (attended: the user talks to
// the recipient), then one of completed (the transferee talks to the
// recipient), cancelled (the user took the transferee back, or a party
// left), abandoned (the recipient did not answer or hung up before the
// transfer completed).
const (
	TransferStarting  TransferState = "starting"
	TransferRingback  TransferState = "ringback"
	TransferAnswered  TransferState = "answered"
	TransferCompleted TransferState = "completed"
	TransferCancelled TransferState = "cancelled"
	TransferAbandoned TransferState = "abandoned"
)

// final reports whether a transfer in state s is over (completed,
// cancelled or abandoned).
func (s TransferState) final() bool {
	return s == TransferCompleted || s == TransferCancelled || s == TransferAbandoned
}

// Transfer events, published on TopicCalls to the call's owner (and
// supervisors) with the Transfer.
const (
	EventTransferCreated   = "transfer_created"
	EventTransferUpdated   = "transfer_updated"
	EventTransferAnswered  = "transfer_answered"
	EventTransferCompleted = "transfer_completed"
	EventTransferCancelled = "transfer_cancelled"
	EventTransferAbandoned = "transfer_abandoned"
)

// Who the user talks to during an attended transfer that is answered.
const (
	TalkingRecipient  = "recipient"
	TalkingTransferee = "transferee"
)

// Why a transfer ended (Transfer.Reason).
const (
	ReasonAPI              = "api"               // completed or cancelled through the API
	ReasonAnswered         = "answered"          // a blind transfer's recipient answered
	ReasonUserHangup       = "user_hangup"       // the user hung up during the consultation: completed
	ReasonTransfereeHangup = "transferee_hangup" // the transferee hung up
	ReasonRecipientHangup  = "recipient_hangup"  // the recipient hung up after answering
	ReasonRecipientFailed  = "recipient_failed"  // no answer, busy, unreachable
	ReasonCallEnded        = "call_ended"        // the call was hung up (API, system) during the transfer
	ReasonRestart          = "restart"           // found by a later run of pbxagent
)

// Sources of a transfer.
const (
	SourceAPI   = "api"
	SourcePhone = "phone"
)

// Stasis argument of the recipient's leg.
const argXfer = "xfer"

// Transfer is a transfer as the API and the events show it.
type Transfer struct {
	ID     string       `json:"id" doc:"The transfer's id" example:"pbxcall-xfer-5f1c2a9e0b7d4c3a"`
	CallID string       `json:"call_id" doc:"The id of the call whose destination (the transferee) is transferred" example:"pbxcall-5f1c2a9e0b7d4c3a"`
	UserID string       `json:"user_id" doc:"The id of the user who owns the call" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Mode   TransferMode `json:"mode" openapi:"enum=blind|attended" doc:"blind: the transferee is handed to the recipient at once; attended: the user talks to the recipient first" example:"attended"`
	// Source says who asked for it: the API or the user's phone (SIP
	// REFER).
	Source string        `json:"source" openapi:"enum=api|phone" doc:"Who started the transfer: the API, or the user's phone (SIP REFER)" example:"api"`
	To     string        `json:"to" doc:"The recipient dialled" example:"201"`
	State  TransferState `json:"state" openapi:"enum=starting|ringback|answered|completed|cancelled|abandoned" doc:"starting, ringback (the recipient rings), answered (attended: the user talks to the recipient), completed, cancelled or abandoned" example:"answered"`
	// Talking says whom the user talks to while an attended transfer is
	// answered: "recipient" (the transferee is on hold) or "transferee"
	// (after a swap; the recipient is on hold).
	Talking string `json:"talking,omitempty" openapi:"enum=recipient|transferee" doc:"Attended, answered: whom the user talks to (the other party is on hold)" example:"recipient"`
	// Reason says why the transfer ended.
	Reason string `json:"reason,omitempty" openapi:"enum=api|answered|user_hangup|transferee_hangup|recipient_hangup|recipient_failed|call_ended|restart" doc:"Why the transfer ended" example:"api"`
	// Cause is the recipient's Q.850 cause when it failed.
	Cause      int        `json:"cause,omitempty" doc:"The recipient's Q.850 cause when it did not answer (17 busy, 19 no answer…)" example:"19"`
	CauseText  string     `json:"cause_text,omitempty" doc:"The cause in words" example:"no answer"`
	CreatedAt  time.Time  `json:"created_at" doc:"When the transfer started" example:"2026-12-07T09:31:00Z"`
	AnsweredAt *time.Time `json:"answered_at,omitempty" doc:"When the recipient answered" example:"2026-12-07T09:31:05Z"`
	EndedAt    *time.Time `json:"ended_at,omitempty" doc:"When the transfer completed, was cancelled or abandoned" example:"2026-12-07T09:31:40Z"`
}

// xfer is one transfer and its channels. Guarded by Engine.mu.
type xfer struct {
	t          Transfer
	userLeg    string // the user's leg (the transferer)
	transferee string // the party transferred (the call's far leg)
	recipient  string // the leg to the recipient
	callBridge string // the call's bridge, where the transferee waits
	consult    string // attended: the bridge of the user and the recipient
	refer      string // a phone's blind REFER: the channel progress is reported on
	userGone   bool   // the recipient joins the transferee on answer
	detached   bool   // the call ended for the user; the transfer follows the transferee
	paired     bool   // the transferee and the recipient share the call's bridge
	dialStatus string // the recipient's last final Dial status
	reason     string // the reason the transfer completes with (set when the user left before the answer)
	// sip is an attended transfer of a call over SIP (sipcall_attended.go).
	sip *sipConsult
}

// txState is the engine's transfers. Guarded by Engine.mu.
type txState struct {
	byID   map[string]*xfer
	chans  map[string]string // channel id -> transfer id: channels whose end the transfer handles
	ended  []string          // ids of transfers over, oldest first
	store  TransferStore
	loaded bool // the earlier runs' records were reconciled
	// noARIOnly leaves phone transfers to Asterisk's core.
	noARIOnly bool
}

// txs initialises the maps. Called with mu.
func (e *Engine) txs() *txState {
	if e.tx.byID == nil {
		e.tx.byID, e.tx.chans = map[string]*xfer{}, map[string]string{}
	}
	return &e.tx
}

// errors of transfers.
var (
	// ErrBadMode: a transfer mode other than blind or attended.
	ErrBadMode = errors.New("invalid transfer mode")
	// ErrTransferNotFound: no transfer of this id that the caller may see.
	ErrTransferNotFound = errors.New("transfer not found")
)

// ParseMode checks a transfer mode.
func ParseMode(s string) (TransferMode, error) {
	switch TransferMode(s) {
	case Blind, Attended:
		return TransferMode(s), nil
	case "":
		return "", fmt.Errorf("%w: empty (blind or attended)", ErrBadMode)
	}
	return "", fmt.Errorf("%w: %q (blind or attended)", ErrBadMode, s)
}

// userLegVars are the variables of a user's leg: the auto-answer headers,
// and PJSIP_TRANSFER_HANDLING()=ari-only so that a REFER from the phone
// reaches the engine as ChannelTransfer (Asterisk 22.3+; older versions
// ignore the unknown function with a warning).
func (e *Engine) userLegVars(endpoint string) map[string]string {
	v := maps.Clone(e.autoAnswerVars(endpoint))
	if !strings.HasPrefix(endpoint, "PJSIP/") || e.tx.noARIOnly {
		return v
	}
	if v == nil {
		v = map[string]string{}
	}
	v["PJSIP_TRANSFER_HANDLING()"] = "ari-only"
	return v
}

// WithPhoneTransfersByAsterisk leaves the transfers users start on their
// phones to Asterisk's core (no PJSIP_TRANSFER_HANDLING(ari-only) on their
// legs): a blind REFER is then run by Asterisk and followed through
// BridgeBlindTransfer.
func WithPhoneTransfersByAsterisk() Option { return func(e *Engine) { e.tx.noARIOnly = true } }

// GetTransfer returns a transfer the viewer may see (transfers over stay
// for a while).
func (e *Engine) GetTransfer(v Viewer, id string) (Transfer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.txs().byID[id]
	if x == nil || !v.All && (v.UserID == "" || v.UserID != x.t.UserID) {
		return Transfer{}, ErrTransferNotFound
	}
	return x.t, nil
}

// finishLocked moves x to a final state. Called with mu; returns false
// when x was already over.
func (e *Engine) finishLocked(x *xfer, st TransferState, reason string, cause int) bool {
	if x.t.State.final() {
		return false
	}
	now := e.clk.Now()
	x.t.State, x.t.Reason, x.t.EndedAt = st, reason, &now
	if cause != 0 && st == TransferAbandoned {
		x.t.Cause, x.t.CauseText = cause, causeText(cause)
	}
	if s := e.calls[x.t.CallID]; s != nil && s.xfer == x.t.ID {
		s.xfer = ""
	}
	return true
}

// forgetLocked stops following x's channels (once nothing of it is left
// to follow) and keeps it listed for a while. Called with mu.
func (e *Engine) forgetLocked(x *xfer) {
	tx := e.txs()
	for ch, id := range tx.chans {
		if id == x.t.ID {
			delete(tx.chans, ch)
		}
	}
	for ch, id := range e.legs {
		if id == x.t.ID {
			delete(e.legs, ch)
		}
	}
	if x.paired || x.detached {
		delete(e.bridges, x.callBridge)
	}
	if x.consult != "" {
		delete(e.bridges, x.consult)
	}
	tx.ended = append(tx.ended, x.t.ID)
	for len(tx.ended) > e.keepEnded {
		delete(tx.byID, tx.ended[0])
		tx.ended = tx.ended[1:]
	}
}

// finishEvent is the event of a final state.
func finishEvent(st TransferState) string {
	switch st {
	case TransferCompleted:
		return EventTransferCompleted
	case TransferCancelled:
		return EventTransferCancelled
	}
	return EventTransferAbandoned
}

// hangupReason is the ARI hang-up reason that carries cause to the other
// side.
func hangupReason(cause int) string {
	switch cause {
	case ari.CauseUserBusy:
		return ari.ReasonBusy
	case ari.CauseNoAnswer:
		return ari.ReasonNoAnswer
	case ari.CauseNoUserResponse:
		return ari.ReasonTimeout
	case ari.CauseCallRejected:
		return ari.ReasonRejected
	case ari.CauseCongestion:
		return ari.ReasonCongestion
	case ari.CauseUnallocated:
		return ari.ReasonUnallocated
	}
	return ari.ReasonNormal
}
