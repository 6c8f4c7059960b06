// Package sources lists every contact source type, for the daemon to
// register with the sync engine:
//
//	eng, err := sync.NewEngine(sync.PhonebookStore(store), sync.WithDataDir(dir), sync.WithTypes(sources.All()...))
package sources

import (
	"github.com/pbxagent/pbxagent/phonebook/source/csvurl"
	"github.com/pbxagent/pbxagent/phonebook/source/custom"
	"github.com/pbxagent/pbxagent/phonebook/source/m365"
	"github.com/pbxagent/pbxagent/phonebook/source/sqlsrc"
	"github.com/pbxagent/pbxagent/phonebook/sync"
)

// All returns the source types: m365, custom, sql and csv-url.
func All() []sync.Type {
	return []sync.Type{m365.Type, custom.Type, sqlsrc.Type, csvurl.Type}
}
