// Package ldapsrc syncs contacts from an LDAP directory — OpenLDAP (or any
// server keeping the RFC 4512 modifyTimestamp) or Microsoft Active Directory —
// with github.com/go-ldap/ldap/v3: ldap:// with StartTLS or ldaps://, a
// simple bind (RFC 4513), a subtree search under a base DN with a filter,
// read in pages (the simple paged results control of RFC 2696), and an
// attribute map from LDAP attributes to contact fields.
//
// A full run reads every matching entry and the engine's mark and sweep
// removes what is gone. A delta run reads only what changed: on OpenLDAP the
// entries with modifyTimestamp >= the start of the previous run less an
// overlap (generalizedTime, RFC 4517 §3.3.13), on Active Directory those
// with uSNChanged above the highestCommittedUSN the rootDSE reported before
// the previous run, on the same domain controller
// (https://learn.microsoft.com/windows/win32/ad/polling-for-changes-using-usnchanged).
// Neither sees deletions or entries leaving the filter: the periodic full run
// (the source's full_sync_hours) sweeps them. Contacts are keyed by
// entryUUID (RFC 4530) on OpenLDAP and objectGUID on Active Directory, else
// by the DN.
//
// docs/sources-ldap.md describes the settings and the sources of these facts.
package ldapsrc
