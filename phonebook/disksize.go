package phonebook

import (
	"os"
	"path/filepath"
)

// DiskSize returns the bytes the store takes on disk: the LSM tree (its
// tables, .sst, and the memtables' write-ahead logs, .mem) and the value
// log (.vlog). Badger's own Size reads counters that are updated only with
// its metrics on, which the store turns off (process-wide expvars updated
// on every read); this reads the directory instead, counting the blocks a
// file really occupies where the platform says (Badger preallocates its
// logs sparsely). An in-memory store is 0.
func (s *Store) DiskSize() (lsm, vlog int64) {
	if s.opts.InMemory || s.opts.Dir == "" {
		return 0, 0
	}
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return 0, 0
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed by a compaction since ReadDir
		}
		switch filepath.Ext(e.Name()) {
		case ".sst", ".mem":
			lsm += allocatedBytes(info)
		case ".vlog":
			vlog += allocatedBytes(info)
		}
	}
	return lsm, vlog
}
