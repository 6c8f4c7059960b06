// Package sources is the sync sources' component: the admin API of
// /api/v1/sources and the overlay endpoint of synced contacts, over the
// sync engine of phonebook/dirsync, which it runs in the background.
package sources
