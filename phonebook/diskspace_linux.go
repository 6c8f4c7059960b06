package phonebook

import (
	"os"
	"syscall"
)

// statfsSpace reads the free space of dir's filesystem with statfs(2):
// the bytes available to unprivileged users and the free inodes.
func statfsSpace(dir string) (free, inodes int64, ok bool, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, false, err
	}
	inodes = -1
	if st.Files > 0 {
		inodes = int64(st.Ffree)
	}
	return int64(st.Bavail) * int64(st.Bsize), inodes, true, nil
}

// allocatedBytes is the space a file occupies on disk (its 512-byte
// blocks), at most its size: Badger's logs are preallocated sparsely.
func allocatedBytes(info os.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return min(st.Blocks*512, info.Size())
	}
	return info.Size()
}
