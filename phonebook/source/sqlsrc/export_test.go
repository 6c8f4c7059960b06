package sqlsrc

import "github.com/pbxagent/pbxagent/phonebook/sync"

// QueryOf exposes the expanded query to tests.
func QueryOf(s sync.Source) string { return s.(*Source).query }

// UseDriver makes a source open a test driver instead of the real one.
func UseDriver(s sync.Source, name, dsn string) { s.(*Source).driver, s.(*Source).dsn = name, dsn }
