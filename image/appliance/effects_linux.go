//go:build linux

package appliance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
	"unsafe"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// The portable mount flag constants must be Linux's.
var _ = [1]struct{}{}[MountReadOnly^unix.MS_RDONLY|MountNoSUID^unix.MS_NOSUID|MountNoDev^unix.MS_NODEV|MountNoExec^unix.MS_NOEXEC]

// SystemEffects fills the nil effects of o with the real ones.
func SystemEffects(o *Options) {
	if o.Modules == nil {
		o.Modules = &kmoduleLoader{}
	}
	if o.Mounter == nil {
		o.Mounter = unixMounter{}
	}
	if o.Net == nil {
		o.Net = linuxNetwork{}
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Watchdog == nil {
		o.Watchdog = func() (WatchdogDevice, error) { return openWatchdog(o.path("/dev/watchdog")) }
	}
}

type unixMounter struct{}

func (unixMounter) Mount(source, target, fstype string, flags uintptr, data string) error {
	return unix.Mount(source, target, fstype, flags, data)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Set(t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		tv := unix.NsecToTimeval(t.UnixNano())
		if err2 := unix.Settimeofday(&tv); err2 != nil {
			return err
		}
	}
	return nil
}

// linuxNetwork uses netlink and u-root's DHCP client.
type linuxNetwork struct{}

func (linuxNetwork) Links() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ifs))
	for i, f := range ifs {
		out[i] = f.Name
	}
	return out, nil
}

func (linuxNetwork) Up(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(l)
}

func (linuxNetwork) SetHostname(name string) error { return unix.Sethostname([]byte(name)) }

func (linuxNetwork) Static(name string, addr netip.Prefix, gw netip.Addr) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return err
	}
	ipn := &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), addr.Addr().BitLen())}
	if err := netlink.AddrReplace(l, &netlink.Addr{IPNet: ipn}); err != nil {
		return fmt.Errorf("address %s: %w", addr, err)
	}
	if gw.IsValid() {
		if err := netlink.RouteReplace(&netlink.Route{LinkIndex: l.Attrs().Index, Gw: gw.AsSlice()}); err != nil {
			return fmt.Errorf("default route via %s: %w", gw, err)
		}
	}
	return nil
}

func (linuxNetwork) DHCP(ctx context.Context, name string) (Lease, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return Lease{}, err
	}
	cfg := dhclient.Config{Timeout: 4 * time.Second, Retries: 2, V4ClientIdentifier: true}
	var res *dhclient.Result
	for r := range dhclient.SendRequests(ctx, []netlink.Link{l}, true, false, cfg, 10*time.Second) {
		if res == nil || r.Err == nil {
			res = r
		}
	}
	if res == nil {
		return Lease{}, errors.New("the link did not come up (no carrier?)")
	}
	if res.Err != nil {
		return Lease{}, res.Err
	}
	if err := res.Lease.Configure(); err != nil {
		return Lease{}, err
	}
	m, _ := res.Lease.Message()
	if m == nil {
		return Lease{}, errors.New("no DHCPv4 message")
	}
	return leaseOf(m), nil
}

func leaseOf(m *dhcpv4.DHCPv4) Lease {
	var le Lease
	ip, _ := netip.AddrFromSlice(m.YourIPAddr.To4())
	bits := 24
	if mask := m.SubnetMask(); mask != nil {
		bits, _ = mask.Size()
	}
	le.Addr = netip.PrefixFrom(ip, bits)
	if r := m.Router(); len(r) > 0 {
		le.Gateway, _ = netip.AddrFromSlice(r[0].To4())
	}
	for _, d := range m.DNS() {
		if a, ok := netip.AddrFromSlice(d.To4()); ok {
			le.DNS = append(le.DNS, a)
		}
	}
	le.Domain = m.DomainName()
	le.Duration = m.IPAddressLeaseTime(0)
	return le
}

// Watchdog ioctls (linux/watchdog.h).
const (
	wdiocKeepAlive  = 0x80045705
	wdiocSetTimeout = 0xc0045706
)

type linuxWatchdog struct{ f *os.File }

func openWatchdog(path string) (WatchdogDevice, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &linuxWatchdog{f: f}, nil
}

func (w *linuxWatchdog) SetTimeout(d time.Duration) (time.Duration, error) {
	v := int32(d / time.Second)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, w.f.Fd(), wdiocSetTimeout, uintptr(unsafe.Pointer(&v))); e != 0 {
		return 0, e
	}
	return time.Duration(v) * time.Second, nil
}

func (w *linuxWatchdog) Ping() error {
	var dummy int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, w.f.Fd(), wdiocKeepAlive, uintptr(unsafe.Pointer(&dummy))); e != 0 {
		_, err := w.f.Write([]byte{0})
		return err
	}
	return nil
}

func (w *linuxWatchdog) Close() error {
	if _, err := w.f.Write([]byte("V")); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}
