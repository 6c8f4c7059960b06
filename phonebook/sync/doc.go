// Package sync is pbxagent's contact-sync engine: it keeps the configured
// sources (Microsoft 365, the custom contacts service, SQL databases, CSV by
// URL — one package each under phonebook/source/), schedules their runs,
// applies each run to the store as one atomic round, keeps per-source status
// and encrypted secrets, and serves the admin API under /api/v1/sources.
//
// A run streams the source's contacts into one store Bulk round. A full run
// marks every external id it sees and, only when the whole read succeeded,
// sweeps the source's contacts it did not see — unless that would delete more
// than the source's MaxDeletePercent, in which case the round is rolled back
// and the source waits for an administrator's confirmation. A delta run
// applies the changes the source reports; its new delta state (token,
// watermark, ETag…) is written in the same round, so a run killed halfway
// leaves nothing behind and is simply redone.
//
// Sources implement [Source]; the engine knows them through [Type] values
// registered with [WithTypes].
package sync
