package phonebook

import (
	"context"
	"fmt"
	"testing"
)

// TestDiskSizeAfterWrites: the store's size on disk is reported (Badger's
// own Size reads 0 with its metrics off) and grows with what is written.
func TestDiskSizeAfterWrites(t *testing.T) {
	s := openTest(t, t.TempDir())
	lsm0, vlog0 := s.DiskSize()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		if _, err := s.Create(ctx, &Contact{FirstName: fmt.Sprintf("Name%03d", i), LastName: "Müller",
			Numbers: []Number{{Type: NumberMobile, Value: fmt.Sprintf("061 %06d", i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	lsm, vlog := s.DiskSize()
	if lsm+vlog <= 0 || lsm+vlog <= lsm0+vlog0 {
		t.Fatalf("disk size after 200 contacts: lsm %d + vlog %d (before: %d + %d), want it larger than before and > 0", lsm, vlog, lsm0, vlog0)
	}
	if l, v := openTest(t, "").DiskSize(); l != 0 || v != 0 {
		t.Errorf("in-memory store: %d + %d bytes on disk", l, v)
	}
}
