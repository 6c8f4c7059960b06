package agent

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// build is what a feature's constructor gets: the configuration, the
// store, the metrics registry, a logger, and the daemon being built (for
// what one feature shares with another: the caller-ID service, the ARI
// connection).
type build struct {
	ctx   context.Context
	cfg   config.Config
	store *phonebook.Store
	reg   prometheus.Registerer
	d     *Daemon
}

// logger is the daemon's logger for component name.
func (b *build) logger(name string) *slog.Logger { return b.d.log.With("component", name) }

// feature builds one component from the configuration; nil (and no
// error) when the configuration leaves the feature off.
type feature func(b *build) (platform.Component, error)

// features are the daemon's components in registration order: Start
// opens their listeners and runs them in this order, Stop drains and
// shuts them down in the reverse order. Adding a feature is one package
// and one line here.
var features = []feature{
	newAudit, // first: its middleware wraps the routes of every later feature
	newSystem,
	newUsers,
	newOAuth,
	newCORS,
	newCluster, // before every feature that writes to the store: a follower refuses writes
	newContacts,
	newSources,
	newPhones,
	newLDAP, // after phones: phones bind with their phone-book credentials
	newARI,
	newCallerID,
	newCallerIDApp,
	newEvents, // before every feature that publishes events
	newSIPUA,  // before the dialer: its sip campaigns call through it
	newDialer,
	newRecordings, // before calls: the engine tells it of the recordings
	newPresence,   // before calls: DND and the call states
	newCalls,
	newCallGroups, // after calls: its telephony is the calls engine
	newHotel,      // after calls: its telephony is the calls engine
	newChat,
	newWallboard, // after the call groups and their statistics
	newConsole,
}
