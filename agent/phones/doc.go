// Package phones serves IP desk phones: the phone registry (admin API under
// /api/v1/phones), phone authentication (HTTP Basic and Digest with
// per-phone credentials, a per-phone token in the URL, an IP allow-list),
// the per-vendor phonebooks under /phonebook/ and the per-phone
// provisioning files under /provisioning/, with a bounded render cache,
// ETag/Last-Modified revalidation and gzip.
//
// The package renders nothing itself: documents come from package
// provisioning. It reads contacts through the small Directory interface and
// keeps phones in a KV namespace; the phonebook store satisfies both.
//
// Secrets: a phone's password is kept three ways, none of them in clear: a
// salted SHA-256 for Basic, HA1 = MD5(user:realm:password) for Digest, and
// sealed with AES-256-GCM (key from WithSecretKey, or generated once and
// kept in the KV namespace) so that provisioning files can carry it and HA1
// can be recomputed when the realm changes. The token is kept as a SHA-256
// (for lookups) and sealed (for provisioning URLs); the API returns it only
// in the answer that creates or rotates it. Neither ever reaches a log:
// logged URLs go through ScrubURL.
package phones
