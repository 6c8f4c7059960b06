package sqlsrc

import "github.com/pbxagent/pbxagent/phonebook/sync"

// QueryOf exposes the expanded query to tests.
func QueryOf(s sync.Source) string { return s.(*Source).query }
