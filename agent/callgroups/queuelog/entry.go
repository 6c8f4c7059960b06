package queuelog

import (
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// FromEntry is the queue_log line of a journal entry, with the data
// fields of Asterisk's apps/app_queue.c (master, 2026):
//
//	ENTERQUEUE      url|callerid|origposition           queue_exec
//	CONNECT         holdtime|member-uniqueid|ringtime   try_calling (seconds; the member's call id)
//	COMPLETECALLER  holdtime|calltime|origposition      handle_hangup
//	COMPLETEAGENT   holdtime|calltime|origposition      handle_hangup
//	BLINDTRANSFER   exten|context|holdtime|calltime|origposition  handle_blind_transfer
//	ABANDON         position|origposition|waittime      queue_exec
//	EXITWITHTIMEOUT position|origposition|waittime      queue_exec
//	EXITEMPTY       position|origposition|waittime      queue_exec, wait_our_turn
//	RINGNOANSWER    ms                                  rna
//	ADDMEMBER       PAUSED or ""                        aqm_exec, manager_add_queue_member
//	REMOVEMEMBER    ""                                  rqm_exec, manager_remove_queue_member
//	PAUSE, UNPAUSE  reason                              set_queue_member_pause
//	FULL, JOINEMPTY ""                                  (not app_queue: Wazo's dialplan writes them)
//
// Caller events name the agent NONE; member events (ADDMEMBER,
// REMOVEMEMBER, PAUSE, UNPAUSE) have the callid NONE, as app_queue's
// set_queue_member_pause. The agent is Entry.Agent (the member's name),
// else Entry.UserID. BLINDTRANSFER's exten and context are empty: the
// journal entry does not carry the transfer target.
func FromEntry(e callgroups.Entry) Line {
	l := Line{Time: e.Time, CallID: orNone(e.Caller), Queue: e.GroupID, Agent: None, Event: string(e.Verb)}
	member := orNone(e.Agent)
	if e.Agent == "" {
		member = orNone(e.UserID)
	}
	opos := e.OrigPosition
	if opos == 0 {
		opos = e.Position
	}
	switch e.Verb {
	case callgroups.VerbEnterQueue:
		l.Data = []string{"", e.CallerNumber, itoa(opos)}
	case callgroups.VerbConnect:
		l.Agent = member
		l.Data = []string{secs(e.Wait), e.CallID, secs(e.Ring)}
	case callgroups.VerbCompleteCaller, callgroups.VerbCompleteAgent:
		l.Agent = member
		l.Data = []string{secs(e.Wait), secs(e.Talk), itoa(opos)}
	case callgroups.VerbTransfer:
		l.Agent = member
		l.Data = []string{"", "", secs(e.Wait), secs(e.Talk), itoa(opos)}
	case callgroups.VerbAbandon, callgroups.VerbExitTimeout, callgroups.VerbExitEmpty:
		l.Data = []string{itoa(e.Position), itoa(opos), secs(e.Wait)}
	case callgroups.VerbRingNoAnswer:
		l.Agent = member
		l.Data = []string{strconv.FormatInt(e.Ring.Milliseconds(), 10)}
	case callgroups.VerbAddMember:
		l.CallID, l.Agent = None, member
		l.Data = []string{""}
		if e.Paused {
			l.Data[0] = "PAUSED"
		}
	case callgroups.VerbRemoveMember:
		l.CallID, l.Agent = None, member
		l.Data = []string{""}
	case callgroups.VerbPause, callgroups.VerbUnpause:
		l.CallID, l.Agent = None, member
		l.Data = []string{e.Reason}
	default: // FULL, JOINEMPTY and anything newer
		l.Data = []string{""}
	}
	return l
}

// ToEntry is the journal entry a queue_log line stands for, as far as the
// line tells (what Rebuild needs): the agent's name is both UserID and
// Agent, durations are whole seconds, and the groups' SLA threshold and
// short-abandon time are not in the file. ok is false for an event that
// is not a journal verb (CONFIGRELOAD, QUEUESTART, AGENTDUMP…).
func ToEntry(l Line) (e callgroups.Entry, ok bool) {
	e = callgroups.Entry{Time: l.Time, Verb: callgroups.Verb(l.Event), GroupID: l.Queue}
	if l.CallID != None {
		e.Caller = l.CallID
	}
	member := func() {
		if l.Agent != None {
			e.UserID, e.Agent = l.Agent, l.Agent
		}
	}
	sec := func(i int) time.Duration { return time.Duration(l.Int(i)) * time.Second }
	switch e.Verb {
	case callgroups.VerbEnterQueue:
		e.CallerNumber = l.Field(1)
		e.OrigPosition = int(l.Int(2))
		e.Position = e.OrigPosition
	case callgroups.VerbConnect:
		member()
		e.Wait, e.CallID, e.Ring = sec(0), l.Field(1), sec(2)
	case callgroups.VerbCompleteCaller, callgroups.VerbCompleteAgent:
		member()
		e.Wait, e.Talk, e.OrigPosition = sec(0), sec(1), int(l.Int(2))
	case callgroups.VerbTransfer:
		member()
		e.Wait, e.Talk, e.OrigPosition = sec(2), sec(3), int(l.Int(4))
	case callgroups.VerbAbandon, callgroups.VerbExitTimeout, callgroups.VerbExitEmpty:
		e.Position, e.OrigPosition, e.Wait = int(l.Int(0)), int(l.Int(1)), sec(2)
	case callgroups.VerbRingNoAnswer:
		member()
		e.Ring = time.Duration(l.Int(0)) * time.Millisecond
	case callgroups.VerbAddMember:
		member()
		e.Paused = l.Field(0) == "PAUSED"
	case callgroups.VerbRemoveMember:
		member()
	case callgroups.VerbPause, callgroups.VerbUnpause:
		member()
		e.Reason = l.Field(0)
	case callgroups.VerbFull, callgroups.VerbJoinEmpty:
	default:
		return callgroups.Entry{}, false
	}
	return e, true
}

func orNone(s string) string {
	if s == "" {
		return None
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// secs is a duration in whole seconds, as app_queue's time(NULL)
// differences.
func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
