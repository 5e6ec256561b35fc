package appliance

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/calendarbot/calendarbot/server/config"
)

// Network configures network interfaces (netlink and DHCP on Linux).
type Network interface {
	// Links lists the names of the network interfaces.
	Links() ([]string, error)
	// Up sets an interface administratively up.
	Up(name string) error
	// DHCP obtains a DHCPv4 lease on name and applies it (address and
	// routes); it does not write resolv.conf.
	DHCP(ctx context.Context, name string) (Lease, error)
	// Static sets addr on name and, if valid, the default route via gw.
	Static(name string, addr netip.Prefix, gw netip.Addr) error
	// SetHostname sets the kernel's host name.
	SetHostname(name string) error
}

// Lease is an address obtained by DHCP.
type Lease struct {
	Addr     netip.Prefix
	Gateway  netip.Addr // invalid if none
	DNS      []netip.Addr
	Domain   string
	Duration time.Duration // 0 if the server said nothing
}

// IsWired reports whether an interface name is a wired one CalendarBot
// configures: eth*, en* (predictable names) and usb* (USB Ethernet gadgets
// and some adapters). Wi-Fi (wlan*) is not handled yet.
func IsWired(name string) bool {
	return strings.HasPrefix(name, "eth") || strings.HasPrefix(name, "en") || strings.HasPrefix(name, "usb")
}

// StaticConfig is the parsed [network] section; ok is false for DHCP.
type StaticConfig struct {
	Addr    netip.Prefix
	Gateway netip.Addr
	DNS     []netip.Addr
}

// ParseStatic turns a validated [network] section into addresses. The
// config package has checked the values; bad ones (never expected) mean
// DHCP.
func ParseStatic(n config.Network) (StaticConfig, bool) {
	if n.Address == "" {
		return StaticConfig{}, false
	}
	p, err := netip.ParsePrefix(n.Address)
	if err != nil {
		return StaticConfig{}, false
	}
	s := StaticConfig{Addr: p}
	if gw, err := netip.ParseAddr(n.Gateway); err == nil {
		s.Gateway = gw
	}
	for _, d := range n.DNS {
		if a, err := netip.ParseAddr(d); err == nil {
			s.DNS = append(s.DNS, a)
		}
	}
	return s, true
}

// ResolvConf renders /etc/resolv.conf.
func ResolvConf(dns []netip.Addr, domain string) string {
	var b strings.Builder
	if domain != "" {
		fmt.Fprintf(&b, "search %s\n", domain)
	}
	for _, d := range dns {
		fmt.Fprintf(&b, "nameserver %s\n", d)
	}
	return b.String()
}

// NetState tracks the network bring-up.
type NetState struct {
	mu      sync.Mutex
	up      chan struct{} // closed when the first interface has an address
	upOnce  sync.Once
	links   map[string]bool
	addrs   map[string]string
	netOK   bool
	started bool
	// state is /run/calendarbot/network.json (see NetStatus); "" = none
	state   string
	c       *console
	writeMu sync.Mutex
}

// NetStatus is the content of /run/calendarbot/network.json, which the
// server reads to say "no network" on the screen.
type NetStatus struct {
	State     string            `json:"state"` // "down" until an interface has an address, then "up"
	Addresses map[string]string `json:"addresses"`
}

func newNetState() *NetState {
	return &NetState{up: make(chan struct{}), links: map[string]bool{}, addrs: map[string]string{}}
}

func (s *NetState) markUp(iface, addr string) {
	s.mu.Lock()
	s.addrs[iface] = addr
	s.mu.Unlock()
	s.upOnce.Do(func() { close(s.up) })
	s.write()
}

func (s *NetState) write() {
	if s.state == "" {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st := NetStatus{State: "down", Addresses: s.Addresses()}
	if len(st.Addresses) > 0 {
		st.State = "up"
	}
	writeJSON(s.c, s.state, st)
}

// Up is closed once an interface has an address.
func (s *NetState) Up() <-chan struct{} { return s.up }

// WaitUp waits up to d for an address; it reports whether there is one.
func (s *NetState) WaitUp(ctx context.Context, d time.Duration, after func(time.Duration) <-chan time.Time) bool {
	if !s.started {
		return false
	}
	select {
	case <-s.up:
		return true
	default:
	}
	select {
	case <-s.up:
		return true
	case <-ctx.Done():
		return false
	case <-after(d):
		return false
	}
}

// Addresses returns interface -> address.
func (s *NetState) Addresses() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.addrs {
		out[k] = v
	}
	return out
}

// StartNetwork sets the host name, brings up lo and starts configuring
// wired interfaces in the background: the one named first gets the static
// address from [network] if set, otherwise every wired interface runs
// DHCP (retrying with backoff, renewing at half the lease). Interfaces that
// appear later (a USB adapter plugged in) are picked up too.
func StartNetwork(ctx context.Context, c *console, o Options, cfg *config.Config) *NetState {
	st := newNetState()
	n := o.Net
	if n == nil {
		c.logf("network", "network configuration is not supported on this platform: skipped")
		return st
	}
	st.started = true
	st.state, st.c = o.path(PathRunDir, "network.json"), c
	st.write()
	var ncfg config.Network
	if cfg != nil {
		ncfg = cfg.Network
	}
	host := ncfg.Hostname
	if host == "" {
		host = DefaultHostname
	}
	if err := n.SetHostname(host); err != nil {
		c.logf("network", "cannot set host name %q: %v", host, err)
	}
	if err := n.Up("lo"); err != nil {
		c.logf("network", "cannot bring up lo: %v", err)
	}
	static, isStatic := ParseStatic(ncfg)
	if isStatic {
		c.logf("network", "static address %s (gateway %s) from [network] for the first wired interface", static.Addr, orNone(static.Gateway))
	}
	go func() {
		staticTaken := false
		warned := false
		start := o.Clock.Now()
		for {
			names, err := n.Links()
			if err != nil {
				c.logf("network", "cannot list interfaces: %v", err)
			}
			for _, name := range names {
				if !IsWired(name) {
					continue
				}
				st.mu.Lock()
				seen := st.links[name]
				st.links[name] = true
				st.mu.Unlock()
				if seen {
					continue
				}
				c.logf("network", "found wired interface %s", name)
				switch {
				case isStatic && !staticTaken:
					staticTaken = true
					go configureStatic(ctx, c, o, st, name, static)
				case isStatic:
					c.logf("network", "%s: left unconfigured ([network] address is used on the first interface only)", name)
				default:
					go runDHCP(ctx, c, o, st, name)
				}
			}
			st.mu.Lock()
			none := len(st.links) == 0
			st.mu.Unlock()
			if none && !warned && o.Clock.Now().Sub(start) >= o.NetWait {
				warned = true
				c.logf("network", "no wired network interface (eth*, en*, usb*): plug in a USB Ethernet adapter (it is picked up when it appears)")
			}
			select {
			case <-ctx.Done():
				return
			case <-o.After(2 * time.Second):
			}
		}
	}()
	return st
}

func orNone(a netip.Addr) string {
	if !a.IsValid() {
		return "none"
	}
	return a.String()
}

func configureStatic(ctx context.Context, c *console, o Options, st *NetState, name string, s StaticConfig) {
	backoff := time.Second
	for {
		err := o.Net.Static(name, s.Addr, s.Gateway)
		if err == nil {
			break
		}
		c.logf("network", "%s: cannot set static address %s: %v (retrying in %s)", name, s.Addr, err, backoff)
		select {
		case <-ctx.Done():
			return
		case <-o.After(backoff):
		}
		backoff = min(backoff*2, time.Minute)
	}
	writeResolv(c, o, s.DNS, "")
	c.logf("network", "%s: static address %s, gateway %s, DNS %s", name, s.Addr, orNone(s.Gateway), addrList(s.DNS))
	st.markUp(name, s.Addr.String())
}

func runDHCP(ctx context.Context, c *console, o Options, st *NetState, name string) {
	backoff := 2 * time.Second
	for ctx.Err() == nil {
		if err := o.Net.Up(name); err != nil {
			c.logf("network", "%s: cannot bring the link up: %v", name, err)
		}
		l, err := o.Net.DHCP(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.logf("network", "%s: no DHCP answer (%v): is the cable plugged in and a router on the network? Retrying in %s", name, err, backoff)
			select {
			case <-ctx.Done():
				return
			case <-o.After(backoff):
			}
			backoff = min(backoff*2, time.Minute)
			continue
		}
		backoff = 2 * time.Second
		writeResolv(c, o, l.DNS, l.Domain)
		c.logf("network", "%s: address %s from DHCP, gateway %s, DNS %s, lease %s", name, l.Addr, orNone(l.Gateway), addrList(l.DNS), l.Duration)
		st.markUp(name, l.Addr.String())
		renew := l.Duration / 2
		if renew <= 0 {
			renew = 30 * time.Minute
		}
		renew = max(renew, time.Minute)
		select {
		case <-ctx.Done():
			return
		case <-o.After(renew):
		}
		c.debugf("network", "%s: renewing the DHCP lease", name)
	}
}

func writeResolv(c *console, o Options, dns []netip.Addr, domain string) {
	if len(dns) == 0 {
		return
	}
	if err := os.WriteFile(o.path(PathResolvConf), []byte(ResolvConf(dns, domain)), 0o644); err != nil {
		c.logf("network", "cannot write %s: %v (host names will not resolve)", PathResolvConf, err)
	}
}

func addrList(a []netip.Addr) string {
	if len(a) == 0 {
		return "none"
	}
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = x.String()
	}
	return strings.Join(s, " ")
}
