package media

import (
	"encoding/binary"
	"net"
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

// TestRecvLoopAllocatesNothingPerDatagram: the epoll loop's wait, its
// recvmmsg and the hand-over to the handler allocate nothing per datagram
// (no closure or RawConn made per read), so receiving 200 calls' RTP makes
// no garbage. The sender writes to the loopback socket with WriteToUDPAddrPort
// (no allocation either); each run waits for its datagram to be handled.
func TestRecvLoopAllocatesNothingPerDatagram(t *testing.T) {
	pr := testPortRange(t)
	pp := listenLoopback(t, pr)
	t.Cleanup(func() { _ = pp.Close() })
	out := listenLoopback(t, pr)
	t.Cleanup(func() { _ = out.Close() })
	src, ok := out.RTP.(*net.UDPConn)
	if !ok {
		t.Fatalf("RTP socket is a %T, want *net.UDPConn", out.RTP)
	}
	loop := NewRecvLoop(nil)
	got := make(chan int, 1)
	remove, err := loop.Add(pp.RTP, RecvHandler{Datagram: func(b []byte, _ netip.AddrPort) { got <- len(b) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	dst := loopback(pp.Port)
	payload := make([]byte, 172)
	run := func() {
		if _, err := src.WriteToUDPAddrPort(payload, dst); err != nil {
			t.Fatal(err)
		}
		if n := <-got; n != len(payload) {
			t.Fatalf("handled %d bytes, want %d", n, len(payload))
		}
	}
	for range 50 {
		run()
	}
	if allocs := testing.AllocsPerRun(500, run); allocs != 0 {
		t.Errorf("%v allocations per datagram, want 0", allocs)
	}
	if st := loop.Stats(); st.Wakeups == 0 {
		t.Errorf("the datagrams did not go through epoll: %+v", st)
	}
}
