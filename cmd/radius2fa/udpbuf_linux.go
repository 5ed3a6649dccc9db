//go:build linux

package main

import (
	"net"
	"syscall"
)

// readBuffer returns the receive buffer the kernel gave c. Linux reports
// twice the size asked for (the rest is its bookkeeping); half is what
// was granted.
func readBuffer(c *net.UDPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		n, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, err
	}
	return n / 2, serr
}
