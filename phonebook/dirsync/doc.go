// Package sync is pbxagent's contact-sync engine: it keeps the configured
// sources (Microsoft 365, the custom contacts service, SQL databases, CSV by
// URL — one package each under phonebook/source/), schedules their runs,
// applies each run to the store as one atomic round, keeps per-source status
// and encrypted secrets, and serves the admin API under /api/v1/sources.
//
// A run has two phases. First the source streams its contacts into a spool
// file in the data dir (sync-spool/, mode 0600): memory stays flat and the
// store's writer lock is not held while remote pages are fetched, throttled
// or retried. In a full run each contact is compared with its stored row
// hash already here, so unchanged contacts are spooled as bare ids. Then the
// spool is applied in one store Bulk round: upserts keyed by (source name,
// external id), deletions, the sweep of a full run, the new row hashes and
// the source's new delta state (token, watermark, ETag…) all become visible
// together — or, if anything fails or the process dies, not at all, and the
// run is simply redone.
//
// A full run marks every external id it sees and, only when the whole read
// succeeded, sweeps the source's contacts it did not see — unless that would
// delete more than the source's MaxDeletePercent (default 50), in which case
// the round is rolled back and the status asks for confirmation. A source
// that rejects its delta state (ErrResync) gets a full run at once; delta
// sources also run full every FullSyncHours (default weekly) to repair
// lossy deltas.
//
// Sources implement [Source]; the engine knows them through [Type] values
// registered with [WithTypes] (phonebook/source/sources.All lists them).
package dirsync
