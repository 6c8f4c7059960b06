// Package callgroups is pbxagent's automatic call distributor: call groups
// (queues) built in the calls Stasis application rather than in
// Asterisk's app_queue. Callers the dialplan sends with
// Stasis(pbxagent-calls,group,ID) wait in the group (music on hold or
// ringback), are offered to the group's members by the group's strategy
// (app_queue's ringall, linear, rrmemory, leastrecent, fewestcalls,
// random) and are bridged with the member who answers.
//
// The package holds the groups and their members (static and dynamic,
// persisted), the live state of each member (available, ringing, talking,
// wrap-up, paused, DND, away, offline), the callers waiting, the
// decisions (ACD), the events, and a journal of what happened that the
// statistics and the queue_log file are made from. The PBX side — answer,
// wait, ring a member, bridge — is behind Telephony (the calls engine in
// production, a simulator on a virtual clock in testlab), so that the same
// decisions run in both.
package callgroups
