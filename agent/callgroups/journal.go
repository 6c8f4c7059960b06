package callgroups

import (
	"context"
	"time"
)

// Verb is a journal entry's event, with app_queue's queue_log names.
type Verb string

// Verbs (queue_log events, apps/app_queue.c ast_queue_log calls).
const (
	VerbEnterQueue     Verb = "ENTERQUEUE"     // a caller joined
	VerbConnect        Verb = "CONNECT"        // a member answered
	VerbCompleteCaller Verb = "COMPLETECALLER" // the caller hung up a bridged call
	VerbCompleteAgent  Verb = "COMPLETEAGENT"  // the member hung up a bridged call
	VerbTransfer       Verb = "BLINDTRANSFER"  // the member transferred the caller
	VerbAbandon        Verb = "ABANDON"        // the caller hung up while waiting
	VerbExitTimeout    Verb = "EXITWITHTIMEOUT"
	VerbExitEmpty      Verb = "EXITEMPTY" // leave_when_empty
	VerbFull           Verb = "FULL"      // not let in: max_callers (app_queue logs nothing; we do)
	VerbJoinEmpty      Verb = "JOINEMPTY" // not let in: join_empty
	VerbRingNoAnswer   Verb = "RINGNOANSWER"
	VerbAddMember      Verb = "ADDMEMBER"
	VerbRemoveMember   Verb = "REMOVEMEMBER"
	VerbPause          Verb = "PAUSE"
	VerbUnpause        Verb = "UNPAUSE"
)

// Entry is one thing that happened in a group. The statistics
// (agent/callgroups/stats) and the queue_log file are made from these
// alone, so an entry carries what they need.
type Entry struct {
	Time time.Time
	Verb Verb
	// Caller is the caller's id (queue_log callid); empty for member
	// entries (ADDMEMBER, PAUSE…: queue_log writes NONE).
	Caller  string
	GroupID string
	// UserID is the member (CONNECT, COMPLETE*, RINGNOANSWER, member
	// entries); Agent is how queue_log names them (their name, or
	// extension when no name).
	UserID string
	Agent  string
	// Wait is how long the caller waited (CONNECT, COMPLETE*, ABANDON,
	// EXIT*); Talk the bridged time (COMPLETE*); Ring how long the member
	// rang (CONNECT, RINGNOANSWER).
	Wait, Talk, Ring time.Duration
	// Position is the caller's position when the entry happened;
	// OrigPosition when they joined.
	Position, OrigPosition int
	// CallerNumber: ENTERQUEUE.
	CallerNumber string
	// CallID is the member's call in the calls engine (CONNECT).
	CallID string
	// Reason: PAUSE / UNPAUSE reason.
	Reason string
	// Paused: ADDMEMBER of a member added paused.
	Paused bool
	// SLAThreshold and ShortAbandon are the group's at the time (CONNECT,
	// ABANDON), so that statistics need no configuration.
	SLAThreshold, ShortAbandon time.Duration
}

// Journal takes the entries (the statistics and the queue_log writer).
// Record must not block for long: it is called with the ACD's decisions.
type Journal interface {
	Record(ctx context.Context, e Entry)
}

// Journals fans entries out to several journals.
type Journals []Journal

// Record implements Journal.
func (js Journals) Record(ctx context.Context, e Entry) {
	for _, j := range js {
		j.Record(ctx, e)
	}
}
