// Package sources lists every contact source type, for the daemon to
// register with the sync engine:
//
//	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(store), dirsync.WithDataDir(dir), dirsync.WithTypes(sources.All()...))
package sources

import (
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/phonebook/source/csvurl"
	"github.com/pbxagent/pbxagent/phonebook/source/custom"
	"github.com/pbxagent/pbxagent/phonebook/source/google"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/phonebook/source/m365"
	"github.com/pbxagent/pbxagent/phonebook/source/sqlsrc"
)

// All returns the source types: m365, custom, sql, csv-url, google, ldap and carddav.
func All() []dirsync.Type {
	return []dirsync.Type{m365.Type, custom.Type, sqlsrc.Type, csvurl.Type,
		google.Type,
		ldapsrc.Type,
		carddav.Type,
	}
}
