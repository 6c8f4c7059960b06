package sqlsrc

import "github.com/pbxagent/pbxagent/phonebook/dirsync"

// QueryOf exposes the expanded query to tests.
func QueryOf(s dirsync.Source) string { return s.(*Source).query }

// UseDriver makes a source open a test driver instead of the real one.
func UseDriver(s dirsync.Source, name, dsn string) { s.(*Source).driver, s.(*Source).dsn = name, dsn }
