// Package ldapdir is the read-only LDAP directory desk phones search
// (docs/phones.md#ldap-directory): a small LDAPv3 server (RFC 4511) that
// serves the phone book as inetOrgPerson entries under one base DN.
//
// It speaks what phones send: simple bind (a registered phone's
// credentials, or anonymous from allow-listed addresses), search with
// and/or/not, equality, substrings, presence and approximate filters,
// attribute selection, typesOnly, size limits and the paged-results
// control (RFC 2696), unbind and abandon. Everything else is answered
// unwillingToPerform or protocolError. Messages are read within a size
// and nesting bound (ber.go, message.go, filter.go); every connection is
// owned by the Server and closed by Stop.
//
// Searches run on the phone book's own indexes: a filter is planned into
// the phone book's name-prefix and number-prefix searches and its caller-ID
// lookup (plan.go), and the filter itself is then checked on each
// candidate entry (match.go). What a phone sees is what the HTTP phone
// book shows it: the global contacts plus its owner's personal ones.
package ldapdir
