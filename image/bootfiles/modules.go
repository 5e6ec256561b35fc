package bootfiles

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Module sets for the kernel pinned in manifest.json, as module names (the
// names modprobe takes; '-' and '_' are interchangeable). ModuleClosure
// expands a set to the .ko files to ship, dependencies first.
var (
	// VirtioNet is networking on QEMU's virt machine (virtio-net-pci).
	// Closure: virtio_pci_modern_dev, virtio_pci_legacy_dev, virtio_pci,
	// failover, net_failover, virtio_net.
	VirtioNet = []string{"virtio_pci", "virtio_net"}

	// PiSDCard reads the FAT boot partition on the Zero 2 W's SD card
	// (bcm2835-sdhost on mmc@7e202000). FAT defaults to codepage 437 and
	// iocharset ascii, hence both nls modules.
	PiSDCard = []string{"bcm2835", "vfat", "nls_cp437", "nls_ascii"}

	// PiWiFi is the Zero 2 W's SDIO Wi-Fi: the sdhci-iproc controller on
	// mmc@7e300000 and brcmfmac (which pulls in cfg80211, rfkill, brcmutil
	// and, for its USB bus code, usbcore). It needs PiWiFiFirmware.
	PiWiFi = []string{"sdhci-iproc", "brcmfmac"}

	// USBEthernet is the Zero 2 W's OTG port (dwc2, whose PHY is the
	// "usb-nop-xceiv" node served by phy-generic) in host mode with the
	// common USB Ethernet adapters: CDC ECM/NCM (many adapters and phones),
	// ASIX AX88772/AX88178 (asix) and AX88179 (ax88179_178a), Realtek
	// RTL8152/8153 (r8152; runs without its optional rtl_nic firmware),
	// SMSC LAN95xx (smsc95xx) and Microchip LAN78xx (lan78xx).
	USBEthernet = []string{"phy-generic", "dwc2", "usbnet", "cdc_ether", "cdc_ncm",
		"asix", "ax88179_178a", "r8152", "smsc95xx", "lan78xx"}

	// QEMUDisplay is a screen on QEMU's virt machine: `-device
	// bochs-display` (a plain PCI framebuffer) driven by the DRM driver
	// bochs; the kernel's DRM fbdev emulation (built in) turns it into
	// /dev/fb0. Closure: drm, drm_kms_helper, ttm, drm_ttm_helper,
	// drm_vram_helper, bochs (1.6 MB, ~470 KB gzipped). The Pi needs no
	// module: the firmware's framebuffer is driven by simplefb, built in.
	QEMUDisplay = []string{"bochs"}

	// Watchdog is the BCM2835 watchdog (/dev/watchdog). The watchdog core and
	// the bcm2835-pm MFD that creates its device are built in; the driver
	// is a module.
	Watchdog = []string{"bcm2835_wdt"}
)

// PiWiFiFirmware are the request_firmware names brcmfmac loads for the
// BCM43430/1 on the Zero 2 W, relative to lib/firmware (see
// Tree.LinuxFirmware). The .bin and .clm_blob come from firmware-brcm80211
// (as symlinks into ../cypress/), the nvram .txt from raspi-firmware. The
// kernel first asks for the board-specific
// brcmfmac43430-sdio.raspberrypi,model-zero-2-w.txt, which no package ships,
// and falls back to the generic .txt. The CYW43436 revision of the board asks
// for brcmfmac43430b0-sdio.*, which Debian bookworm does not ship.
var PiWiFiFirmware = []string{
	"brcm/brcmfmac43430-sdio.bin",
	"brcm/brcmfmac43430-sdio.clm_blob",
	"brcm/brcmfmac43430-sdio.txt",
}

// moduleName normalises a module name or path: base name without .ko
// (optionally compressed), '-' -> '_'.
func moduleName(s string) string {
	s = path.Base(filepath.ToSlash(s))
	for _, ext := range []string{".ko.xz", ".ko.zst", ".ko.gz", ".ko"} {
		if strings.HasSuffix(s, ext) {
			s = strings.TrimSuffix(s, ext)
			break
		}
	}
	return strings.ReplaceAll(s, "-", "_")
}

// depFile is a parsed modules.dep.
type depFile struct {
	order  []string            // module paths, file order
	deps   map[string][]string // path -> dependency paths, as listed
	byName map[string]string   // moduleName -> path (first wins)
}

func parseModulesDep(r io.Reader, name string) (*depFile, error) {
	df := &depFile{deps: map[string][]string{}, byName: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mod, rest, ok := strings.Cut(line, ":")
		mod = strings.TrimSpace(mod)
		if !ok || mod == "" {
			return nil, fmt.Errorf("%s:%d: not \"module.ko: deps...\": %q", name, ln, line)
		}
		if _, dup := df.deps[mod]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", name, ln, mod)
		}
		df.order = append(df.order, mod)
		df.deps[mod] = strings.Fields(rest)
		n := moduleName(mod)
		if _, ok := df.byName[n]; !ok {
			df.byName[n] = mod
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return df, nil
}

func readModulesDep(modulesDir string) (*depFile, error) {
	name := filepath.Join(modulesDir, "modules.dep")
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseModulesDep(f, name)
}

// readBuiltin returns the module names in modules.builtin (empty if the file
// does not exist).
func readBuiltin(modulesDir string) (map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(modulesDir, "modules.builtin"))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(string(b)) {
		m[moduleName(l)] = true
	}
	return m, nil
}

// ModuleClosure resolves module names (as in modules.dep, '-' and '_'
// equivalent, ".ko" optional) to the .ko files to load, dependencies first,
// each once, as paths relative to modulesDir exactly as modules.dep spells
// them (e.g. "kernel/drivers/net/virtio_net.ko"): join them with modulesDir
// to read the file, and with lib/modules/KVER to place it in an initramfs.
// Names built into the kernel (modules.builtin) need no file and are skipped.
// Unknown names and dependency cycles are errors.
func ModuleClosure(modulesDir string, names []string) ([]string, error) {
	df, err := readModulesDep(modulesDir)
	if err != nil {
		return nil, err
	}
	builtin, err := readBuiltin(modulesDir)
	if err != nil {
		return nil, err
	}
	return df.closure(names, builtin)
}

func (df *depFile) closure(names []string, builtin map[string]bool) ([]string, error) {
	var (
		out     []string
		done    = map[string]bool{}
		onStack = map[string]bool{}
		stack   []string
		missing []string
	)
	var visit func(mod, from string) error
	visit = func(mod, from string) error {
		if done[mod] {
			return nil
		}
		if onStack[mod] {
			i := slices.Index(stack, mod)
			cyc := append(slices.Clone(stack[i:]), mod)
			for j := range cyc {
				cyc[j] = moduleName(cyc[j])
			}
			return fmt.Errorf("module dependency cycle: %s", strings.Join(cyc, " -> "))
		}
		deps, ok := df.deps[mod]
		if !ok {
			return fmt.Errorf("modules.dep lists %s as a dependency of %s but has no entry for it", mod, from)
		}
		onStack[mod] = true
		stack = append(stack, mod)
		// modules.dep lists the deepest dependencies last (modprobe loads
		// the list back to front), so walk it backwards.
		for i := len(deps) - 1; i >= 0; i-- {
			if err := visit(deps[i], mod); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		onStack[mod] = false
		done[mod] = true
		out = append(out, mod)
		return nil
	}
	for _, n := range names {
		mod, ok := df.byName[moduleName(n)]
		if !ok {
			if builtin[moduleName(n)] {
				continue
			}
			missing = append(missing, n)
			continue
		}
		if err := visit(mod, "the request"); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no such module in modules.dep (nor built in): %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// WriteTrimmedDeps writes a modules.dep for an initramfs that lists only
// mods (paths as ModuleClosure returns them, or module names), in the given
// order, each with its dependency list from modulesDir/modules.dep. Every
// dependency must itself be in mods, so pass a closure. The output has no
// blank or comment lines: u-root's kmodule splits every line at ':'.
// Aliases and softdeps are not written: u-root's kmodule reads only
// modules.dep (and modules.builtin, optional).
func WriteTrimmedDeps(modulesDir string, mods []string, w io.Writer) error {
	df, err := readModulesDep(modulesDir)
	if err != nil {
		return err
	}
	return df.writeTrimmed(mods, w)
}

func (df *depFile) writeTrimmed(mods []string, w io.Writer) error {
	paths := make([]string, 0, len(mods))
	in := map[string]bool{}
	for _, m := range mods {
		p := m
		if _, ok := df.deps[p]; !ok {
			q, ok := df.byName[moduleName(m)]
			if !ok {
				return fmt.Errorf("%s is not in modules.dep", m)
			}
			p = q
		}
		if in[p] {
			continue
		}
		in[p] = true
		paths = append(paths, p)
	}
	bw := bufio.NewWriter(w)
	for _, p := range paths {
		for _, d := range df.deps[p] {
			if !in[d] {
				return fmt.Errorf("trimmed modules.dep is not closed: %s needs %s, which is not in the list (use ModuleClosure)", moduleName(p), moduleName(d))
			}
		}
		bw.WriteString(p)
		bw.WriteString(":")
		for _, d := range df.deps[p] {
			bw.WriteString(" ")
			bw.WriteString(d)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// ModulesSize is the total size in bytes of the given module files (paths
// relative to modulesDir).
func ModulesSize(modulesDir string, mods []string) (int64, error) {
	var n int64
	for _, m := range mods {
		fi, err := os.Stat(filepath.Join(modulesDir, filepath.FromSlash(m)))
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}
