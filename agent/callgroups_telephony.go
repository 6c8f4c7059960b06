package agent

import "github.com/pbxagent/pbxagent/agent/callgroups"

// newGroupTelephony is the PBX side of the call groups (the calls
// engine's Stasis(pbxagent-calls,group,ID)); nil until it is built: the
// call groups' API works and no caller enters.
func newGroupTelephony(b *build, sink callgroups.Sink) callgroups.Telephony { return nil }
