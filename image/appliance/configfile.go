package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/calendarbot/calendarbot/server/config"
)

// ConfigState is what FindConfig found out about calendarbot.toml. It is
// written to /run/calendarbot/config.json for the server's status page.
type ConfigState struct {
	Path     string         // the file (as the server is to read it); "" if none was found
	Source   string         // how it was found: "kernel command line", "boot partition /dev/mmcblk0p1 (…)", "initramfs"
	OK       bool           // valid: the server is started with it
	Problems []string       // why not, one per line; never contains a secret
	Config   *config.Config // the parsed configuration when OK
}

func (cs *ConfigState) status() any {
	mode := "config"
	if !cs.OK {
		mode = "sample"
	}
	return struct {
		Path     string   `json:"path"`
		Source   string   `json:"source"`
		OK       bool     `json:"ok"`
		Mode     string   `json:"mode"`
		Problems []string `json:"problems"`
	}{cs.Path, cs.Source, cs.OK, mode, append([]string{}, cs.Problems...)}
}

// ntpServers is [clock] ntp, or DefaultNTP.
func (cs *ConfigState) ntpServers() []string {
	if cs.Config != nil && len(cs.Config.Clock.NTP) > 0 {
		return cs.Config.Clock.NTP
	}
	return DefaultNTP
}

// FindConfig locates and validates calendarbot.toml:
//
//  1. calendarbot.config=PATH on the kernel command line (QEMU virt: no SD
//     card, the file is in the initramfs): used as is, no disk is searched;
//  2. the boot partition, found by /etc/calendarbot/boot-disk-id or the FAT
//     label CALBOOT, mounted read-only at /boot: /boot/calendarbot.toml;
//  3. /etc/calendarbot/calendarbot.toml baked into the initramfs.
//
// The file is validated exactly as the server will read it (config.Load
// with --config and --listen). A missing or invalid file is reported on
// the console, one problem per line, and the server then shows the
// built-in sample calendar (see ServerArgs) instead of crash-looping.
func FindConfig(ctx context.Context, c *console, o Options, knob string) *ConfigState {
	cs := &ConfigState{}
	switch {
	case knob != "":
		cs.Path, cs.Source = knob, "kernel command line (calendarbot.config)"
	default:
		cs.Path, cs.Source = findOnBootPartition(ctx, c, o)
		if cs.Path == "" {
			if _, err := os.Stat(o.path(PathBakedConfig)); err == nil {
				cs.Path, cs.Source = PathBakedConfig, "initramfs"
			}
		}
	}
	if cs.Path == "" {
		cs.Problems = []string{"no " + BootConfigName + " found: copy one onto the SD card's boot partition (the FAT drive a PC shows when the card is inserted)"}
	} else {
		validate(cs, o)
	}
	if cs.OK {
		c.logf("config", "using %s (from %s): %d feed(s), time zone %s", cs.Path, cs.Source, len(cs.Config.Feeds), cs.Config.TZ)
		logWiFi(c, cs.Config)
	} else {
		c.logf("config", "NO VALID %s: showing the sample calendar", BootConfigName)
		for _, p := range cs.Problems {
			c.logf("config", "  %s", p)
		}
		c.logf("config", "fix the file on a PC (calendarbot check-config FILE checks it) and restart the device")
	}
	return cs
}

// findOnBootPartition finds, mounts (read-only) and returns the config on
// the boot partition; "" if there is no boot partition or no file on it.
func findOnBootPartition(ctx context.Context, c *console, o Options) (path, source string) {
	diskID := ""
	if b, err := os.ReadFile(o.path(PathBootDiskID)); err == nil {
		if diskID = NormDiskID(string(b)); diskID == "" {
			c.logf("boot", "%s holds %q, which is not an MBR disk identifier (8 hex digits): looking for the label %s only", PathBootDiskID, strings.TrimSpace(string(b)), BootLabel)
		}
	}
	if o.Mounter == nil {
		c.logf("boot", "mounting is not supported on this platform: not looking for the boot partition")
		return "", ""
	}
	want := "FAT label " + BootLabel
	if diskID != "" {
		want = "disk identifier " + diskID + " or " + want
	}
	d, why, disks, ok := FindBootDisk(ctx, o.Root, diskID, o.DeviceWait, o.After)
	if !ok {
		var seen []string
		for _, d := range disks {
			s := d.Name
			if d.DiskID != "" {
				s += " (disk id " + d.DiskID + ")"
			}
			seen = append(seen, s)
		}
		if len(seen) == 0 {
			seen = []string{"none"}
		}
		c.logf("boot", "no boot partition (%s) after %s; disks seen: %s", want, o.DeviceWait, strings.Join(seen, ", "))
		return "", ""
	}
	target := o.path(PathBootMount)
	if err := MountBootReadOnly(o.Mounter, d.Part1, target); err != nil {
		c.logf("boot", "cannot mount %s read-only at %s: %v (is the vfat module in the image?)", d.Part1, PathBootMount, err)
		return "", ""
	}
	c.logf("boot", "boot partition %s (%s) mounted read-only at %s", d.Part1, why, PathBootMount)
	p := filepath.Join(PathBootMount, BootConfigName)
	if _, err := os.Stat(o.path(p)); err != nil {
		c.logf("boot", "%s is not on the boot partition", BootConfigName)
		return "", ""
	}
	return p, "boot partition " + d.Part1
}

// validate loads the file as the server will (relative to Root, for tests).
func validate(cs *ConfigState, o Options) {
	real := o.path(cs.Path)
	cfg, err := config.Load([]string{"--config", real, "--listen", "0.0.0.0:80"}, nil)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				cs.Problems = append(cs.Problems, strings.ReplaceAll(p.String(), real, cs.Path))
			}
		} else {
			cs.Problems = append(cs.Problems, strings.ReplaceAll(err.Error(), real, cs.Path))
		}
		return
	}
	cs.OK, cs.Config = true, cfg
}

// logWiFi reports the [wifi] section. The PSK is never logged.
func logWiFi(c *console, cfg *config.Config) {
	w := cfg.WiFi
	if w.SSID == "" {
		return
	}
	sec := "open network"
	if w.PSK != "" {
		sec = "WPA2-PSK"
	}
	c.logf("network", "Wi-Fi configured for SSID %q (%s, country %s) — Wi-Fi support arrives in a later version; use USB Ethernet", w.SSID, sec, w.Country)
}

// writeJSON writes v to path (in RAM, /run), logging failures.
func writeJSON(c *console, path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, append(b, '\n'), 0o644); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		c.logf("state", "cannot write %s: %v", path, err)
	}
}
