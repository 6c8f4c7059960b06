package agent

import (
	"fmt"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/recordings"
)

// newRecordings builds the calls' recordings: metadata in the store's
// namespace "recordings", files in Asterisk (and, for the calls over SIP,
// in sip_ua.recordings_dir), /api/v1/recordings, and the retention
// (recordings.retention). It is on with the calls engine on ARI (ari.url
// and ari.calls_app), or on SIP (calls.backend sip) with
// sip_ua.recordings_dir.
func newRecordings(b *build) (platform.Component, error) {
	ariOn := b.d.ari != nil && b.cfg.ARI.CallsApp != ""
	sipDir := ""
	if b.cfg.Calls.Backend == config.CallsBackendSIP && b.d.sipUA != nil {
		sipDir = b.cfg.SIPUA.RecordingsDir
	}
	if b.d.users == nil || !ariOn && sipDir == "" {
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
	var files recordings.Files
	if ariOn {
		files = b.d.ari.Recordings()
	}
	if sipDir != "" {
		files = recordings.Dir{Path: sipDir, Next: files}
	}
	s, err := recordings.New(kv, files, b.cfg.Recordings, opts...)
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	b.d.recs = s
	return s, nil
}
