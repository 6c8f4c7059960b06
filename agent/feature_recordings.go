package agent

import (
	"fmt"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/recordings"
)

// newRecordings builds the calls' recordings: metadata in the store's
// namespace "recordings", files in Asterisk, /api/v1/recordings, and the
// retention (recordings.retention). It is on with the calls engine (ARI
// and ari.calls_app).
func newRecordings(b *build) (platform.Component, error) {
	if b.d.ari == nil || b.d.users == nil || b.cfg.ARI.CallsApp == "" {
		return nil, nil
	}
	kv, ok := b.store.MetaRange("recordings").(recordings.KV)
	if !ok {
		return nil, fmt.Errorf("recordings: the store's namespace cannot write batches")
	}
	opts := []recordings.Option{recordings.WithLogger(b.logger("recordings"))}
	if b.d.audit != nil {
		opts = append(opts, recordings.WithAuditor(b.d.audit))
	}
	s, err := recordings.New(kv, b.d.ari.Recordings(), b.cfg.Recordings, opts...)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	b.d.recs = s
	return s, nil
}
