package phonebook

import "context"

// DropNameIndex makes s answer name searches from its index keys until
// the next write (benchmarks compare both paths in one run).
func DropNameIndex(s *Store) { s.names.Store(nil) }

// RebuildNameIndex builds the name index again and installs it.
func RebuildNameIndex(ctx context.Context, s *Store) error {
	x, err := s.buildNameIndex(ctx)
	if err != nil {
		return err
	}
	s.names.Store(x)
	return nil
}
