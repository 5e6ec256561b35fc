package appliance

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const goodConfig = `tz = "Europe/Berlin"

[[feed]]
name = "Work"
url = "https://example.com/cal.ics?token=SECRET"

[wifi]
ssid = "Home"
psk = "SECRETSECRET"
country = "DE"

[network]
hostname = "kitchen"
`

const brokenConfig = `tz = "Europe/Berln"
[wifi]
ssid = "Home"
psk = "SECRET"
`

// runAppliance runs Run with fakes until the server has been started,
// then stops it.
func runAppliance(t *testing.T, root, cmdline string, m *fakeMounter, n *fakeNet) (*fakeStarter, string) {
	t.Helper()
	clk := &fakeClock{t: time.Now()}
	st := &fakeStarter{clk: clk, block: true}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error)
	go func() {
		done <- Run(ctx, Options{
			Root: root, Console: &out, Cmdline: &cmdline,
			DeviceWait: 300 * time.Millisecond, NetWait: 300 * time.Millisecond, ClockWait: 300 * time.Millisecond,
			Modules: &fakeLoader{}, Mounter: m, Net: n, Clock: clk, Starter: st, BootScreenStarter: testBootScreenStarter,
			Watchdog: func() (WatchdogDevice, error) { return nil, os.ErrNotExist },
			Dial:     dialer(),
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st.mu.Lock()
		started := len(st.starts)
		st.mu.Unlock()
		if started > 0 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server not started:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	return st, out.String()
}

func sdCardRoot(t *testing.T) string {
	root := t.TempDir()
	fakeBlock(t, root, "mmcblk0", diskImage(0xca1eb077, "CALBOOT"), "mmcblk0p1")
	writeFiles(t, root, map[string]string{
		"etc/calendarbot/boot-disk-id": "ca1eb077\n",
		"etc/calendarbot/build-time":   "2026-01-01T00:00:00Z\n",
		"lib/modules-load.d/pi.conf":   "bcm2835\nvfat\n",
	})
	return root
}

func TestRunFromSDCard(t *testing.T) {
	root := sdCardRoot(t)
	m := &fakeMounter{files: map[string]string{"calendarbot.toml": goodConfig}}
	n := &fakeNet{links: []string{"lo", "eth0", "wlan0"}, lease: Lease{Addr: mustPrefix("10.0.2.15/24"), Duration: time.Hour}}
	st, out := runAppliance(t, root, `console=ttyS1 calendarbot.clockwait=0 calendarbot.args="--now 2026-01-15T09:00:00Z"`, m, n)

	if len(m.mounts) != 1 || m.mounts[0].Flags&MountReadOnly == 0 || m.mounts[0].Flags != BootMountFlags ||
		m.mounts[0].Source != "/dev/mmcblk0p1" || m.mounts[0].Target != filepath.Join(root, "boot") {
		t.Errorf("mounts = %+v", m.mounts)
	}
	want := []string{"/bin/calendarbot", "--config", "/boot/calendarbot.toml", "--listen", "0.0.0.0:80", "--now", "2026-01-15T09:00:00Z"}
	if !reflect.DeepEqual(st.starts[0], want) {
		t.Errorf("server command = %q, want %q", st.starts[0], want)
	}
	for _, s := range []string{
		"boot partition /dev/mmcblk0p1 (MBR disk identifier ca1eb077) mounted read-only at /boot",
		"using /boot/calendarbot.toml (from boot partition /dev/mmcblk0p1): 1 feed(s), time zone Europe/Berlin",
		`Wi-Fi configured for SSID "Home" (WPA2-PSK, country DE) — Wi-Fi support arrives in a later version; use USB Ethernet`,
		"server | hello from /bin/calendarbot",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("console lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("a secret reached the console:\n%s", out)
	}
	n.mu.Lock()
	if n.hostname != "kitchen" {
		t.Errorf("hostname = %q", n.hostname)
	}
	n.mu.Unlock()
	var cs struct {
		OK   bool
		Mode string
	}
	b, _ := os.ReadFile(filepath.Join(root, "run/calendarbot/config.json"))
	if json.Unmarshal(b, &cs); !cs.OK || cs.Mode != "config" {
		t.Errorf("config.json = %s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "run/calendarbot/boot.log")); !strings.Contains(string(b), "mounted read-only") {
		t.Errorf("boot.log = %s", b)
	}
}

func TestRunBrokenConfigShowsSample(t *testing.T) {
	root := sdCardRoot(t)
	m := &fakeMounter{files: map[string]string{"calendarbot.toml": brokenConfig}}
	st, out := runAppliance(t, root, "calendarbot.port=8080 calendarbot.clockwait=0", m, &fakeNet{})
	want := []string{"/bin/calendarbot", "--sample", "--listen", "0.0.0.0:8080"}
	if !reflect.DeepEqual(st.starts[0], want) {
		t.Errorf("server command = %q", st.starts[0])
	}
	for _, s := range []string{"NO VALID calendarbot.toml: showing the sample calendar", "/boot/calendarbot.toml:1", "wifi.psk must be 8 to 63 characters"} {
		if !strings.Contains(out, s) {
			t.Errorf("console lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "SECRET") || strings.Contains(out, root) {
		t.Errorf("secret or test root on the console:\n%s", out)
	}
	b, _ := os.ReadFile(filepath.Join(root, "run/calendarbot/config.json"))
	var cs ConfigStateJSON
	if err := json.Unmarshal(b, &cs); err != nil || cs.OK || cs.Mode != "sample" || len(cs.Problems) < 2 {
		t.Errorf("config.json = %s", b)
	}
}

type ConfigStateJSON struct {
	Path, Source, Mode string
	OK                 bool
	Problems           []string
}

func TestRunNoCardUsesKnobConfig(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"etc/calendarbot/calendarbot.toml": goodConfig})
	m := &fakeMounter{}
	st, out := runAppliance(t, root, "calendarbot.config=/etc/calendarbot/calendarbot.toml calendarbot.clockwait=0", m, &fakeNet{})
	if len(m.mounts) != 0 {
		t.Errorf("mounted %+v", m.mounts)
	}
	if st.starts[0][2] != "/etc/calendarbot/calendarbot.toml" {
		t.Errorf("server command = %q\n%s", st.starts[0], out)
	}
}

func TestRunNoCardNoConfig(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sys/block"), 0o755)
	st, out := runAppliance(t, root, "calendarbot.clockwait=0", &fakeMounter{}, &fakeNet{})
	if st.starts[0][1] != "--sample" {
		t.Errorf("server command = %q", st.starts[0])
	}
	for _, s := range []string{"no boot partition (FAT label CALBOOT) after 300ms; disks seen: none", "no calendarbot.toml found"} {
		if !strings.Contains(out, s) {
			t.Errorf("console lacks %q:\n%s", s, out)
		}
	}
}

func TestRunStaticNetwork(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"etc/calendarbot/calendarbot.toml": goodConfig +
		"address = \"192.168.1.50/24\"\ngateway = \"192.168.1.1\"\ndns = [\"192.168.1.1\"]\n"})
	n := &fakeNet{links: []string{"lo", "usb0", "eth0"}}
	_, out := runAppliance(t, root, "calendarbot.clockwait=0", &fakeMounter{}, n)
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.statics) != 1 || n.statics[0] != "usb0 192.168.1.50/24 via 192.168.1.1" {
		t.Errorf("statics = %q\n%s", n.statics, out)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/resolv.conf")); string(b) != "nameserver 192.168.1.1\n" {
		t.Errorf("resolv.conf = %q", b)
	}
}

var _ sync.Mutex
