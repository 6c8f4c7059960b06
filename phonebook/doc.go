// Package phonebook is pbxagent's contact directory: the contact model, the
// embedded Badger store with its secondary indexes (numbers, name tokens,
// source ids), atomic bulk operations, search and the reverse lookup of a
// calling number to a contact.
//
// It knows nothing of telephony protocols; the caller-ID front ends, the
// phone XML renderers and the sync engine all build on the Store.
package phonebook
