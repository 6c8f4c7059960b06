//go:build !linux

package phonebook

import "os"

// statfsSpace cannot tell the free space on this platform: the store
// relies on Badger's errors alone.
func statfsSpace(string) (free, inodes int64, ok bool, err error) { return 0, 0, false, nil }

// allocatedBytes is a file's size: this platform does not say how much of
// it is allocated.
func allocatedBytes(info os.FileInfo) int64 { return info.Size() }
