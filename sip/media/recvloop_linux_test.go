package media

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FuzzRecvBatchFrom feeds arbitrary bytes as the source address recvmmsg
// wrote: an IPv4 or IPv6 sockaddr decodes to its address and port (IPv4-
// mapped IPv6 unmapped), anything else to the zero AddrPort, never a panic.
func FuzzRecvBatchFrom(f *testing.F) {
	v4 := make([]byte, unix.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(v4, unix.AF_INET)
	copy(v4[2:], []byte{0x13, 0x88, 192, 0, 2, 1}) // port 5000, 192.0.2.1
	f.Add(v4)
	v6 := make([]byte, unix.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(v6, unix.AF_INET6)
	copy(v6[2:], []byte{0x17, 0x70})
	copy(v6[8:], netip.MustParseAddr("2001:db8::1").AsSlice())
	f.Add(v6)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := newRecvBatch(1)
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&b.names[0])), unix.SizeofSockaddrInet6)
		copy(raw, data)
		got := b.from(0)
		family := binary.NativeEndian.Uint16(raw)
		port := binary.BigEndian.Uint16(raw[2:4])
		switch family {
		case unix.AF_INET:
			want := netip.AddrPortFrom(netip.AddrFrom4([4]byte(raw[4:8])), port)
			if got != want {
				t.Fatalf("AF_INET %x: %v, want %v", raw, got, want)
			}
		case unix.AF_INET6:
			want := netip.AddrPortFrom(netip.AddrFrom16([16]byte(raw[8:24])).Unmap(), port)
			if got != want {
				t.Fatalf("AF_INET6 %x: %v, want %v", raw, got, want)
			}
		default:
			if got.IsValid() {
				t.Fatalf("family %d: %v, want none", family, got)
			}
		}
	})
}
