package ua

import (
	"fmt"
	"net"
	"syscall"
)

// udpRecvBuffer is uc's SO_RCVBUF as the kernel reports it.
func udpRecvBuffer(uc *net.UDPConn) (int, error) {
	rc, err := uc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("ua: UDP socket: %w", err)
	}
	var n int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		n, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, fmt.Errorf("ua: UDP socket: %w", err)
	}
	if serr != nil {
		return 0, fmt.Errorf("ua: UDP socket SO_RCVBUF: %w", serr)
	}
	return n, nil
}
