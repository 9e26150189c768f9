package lb

import (
	"fmt"
	"net"
	"strconv"
)

// listenAddr turns "8080", ":8080" or "127.0.0.1:8080" into a loopback
// host:port. cattle publishes everything on loopback only: a load balancer
// reachable from the network would be a surprise on a laptop.
func listenAddr(addr string) (string, error) {
	if _, err := strconv.Atoi(addr); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen address %q is not host:port or a port number: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if !isLoopback(host) {
		return "", fmt.Errorf("listen address %q is not on loopback: cattle listens on 127.0.0.1 only", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// checkTargetAddr accepts loopback host:port addresses only: instances
// publish their ports on 127.0.0.1 and the load balancer must not send
// traffic anywhere else.
func checkTargetAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("target address %q is not host:port: %w", addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("target address %q: port %q is not 1-65535", addr, port)
	}
	if !isLoopback(host) {
		return fmt.Errorf("target address %q is not on loopback: publish the instance port on 127.0.0.1", addr)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withPort replaces the port of a host:port address (health checks on
// another port than the traffic port).
func withPort(addr string, port int) string {
	if port == 0 {
		return addr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
