package callerid

import (
	"context"
	"testing"
)

// BenchmarkResolveOverhead is the service's own cost (deadline, goroutine, metrics) over an
// in-memory map directory.
func BenchmarkResolveOverhead(b *testing.B) {
	s := newTestService(b, testDir())
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Resolve(ctx, ProtoHTTP, "061111111", PresentationAllowed)
	}
}
