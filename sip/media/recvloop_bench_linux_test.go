package media

import (
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// processCPU is this process's user + system CPU time.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecv200 receives one datagram on each of 200 sockets per
// iteration (a 20 ms slot of 200 calls' RTP), read by one RecvLoop or by a
// goroutine per socket (a Session without a RecvLoop); ns/op is per slot
// (wall time), cpu-ns/datagram the process's CPU time (the sender's sendto
// included, the same in both) per datagram, which a loaded machine changes
// less. Run with GOMAXPROCS=1 for the one-core figure:
// go test -run '^$' -bench Recv200 -cpu 1 ./sip/media
func BenchmarkRecv200(b *testing.B) {
	const sockets = 200
	for _, design := range []string{"recvloop", "goroutines"} {
		b.Run(design, func(b *testing.B) {
			client, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer client.Close()
			var got atomic.Int64
			round := make(chan struct{}, 1)
			target := atomic.Int64{}
			handle := func([]byte, netip.AddrPort) {
				if got.Add(1) == target.Load() {
					round <- struct{}{}
				}
			}
			loop := NewRecvLoop(nil)
			dsts := make([]netip.AddrPort, sockets)
			for i := range dsts {
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					b.Fatal(err)
				}
				dsts[i] = c.LocalAddr().(*net.UDPAddr).AddrPort()
				if design == "recvloop" {
					rm, err := loop.Add(c, RecvHandler{Datagram: handle})
					if err != nil {
						b.Fatal(err)
					}
					defer rm()
				} else {
					done := make(chan struct{})
					go func() {
						defer close(done)
						buf := make([]byte, 1500)
						for {
							n, from, err := c.ReadFromUDPAddrPort(buf)
							if err != nil {
								return
							}
							handle(buf[:n], from)
						}
					}()
					defer func() { <-done }()
				}
				defer c.Close()
			}
			pkt := make([]byte, 172)
			b.ResetTimer()
			cpu0 := processCPU(b)
			for i := range b.N {
				target.Store(int64(i+1) * sockets)
				for _, d := range dsts {
					if _, err := client.WriteToUDPAddrPort(pkt, d); err != nil {
						b.Fatal(err)
					}
				}
				<-round
			}
			b.StopTimer()
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N*sockets), "cpu-ns/datagram")
		})
	}
}
