package phonebook

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// removeEmptyLogs deletes the empty (0-byte) memtable (.mem) and value-log
// (.vlog) files in dir. Badger creates such a file and then sizes it; a
// process killed between the two leaves it empty, and Badger then refuses
// to open the directory (it treats the file as new and fails with
// z.NewFile: dgraph-io/badger#2207). An empty file holds no write, so
// removing it loses nothing.
func removeEmptyLogs(dir string, log *slog.Logger) error {
	if dir == "" {
		return nil
	}
	for _, pat := range []string{"*.mem", "*.vlog"} {
		files, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return err
		}
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() {
				continue
			}
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("remove empty %s: %w", filepath.Base(f), err)
			}
			log.Warn("removed an empty log file a crash left behind", "file", filepath.Base(f))
		}
	}
	return nil
}
