package bootfiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// needTools skips (or fails under CI=true) when a host tool is missing.
func needTools(t *testing.T, tools ...[2]string) {
	t.Helper()
	for _, tl := range tools {
		if _, err := findTool(tl[0], tl[1]); err != nil {
			skipOrFail(t, err.Error())
		}
	}
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", msg)
	}
	t.Logf("\n*** SKIPPING %s: %s ***", t.Name(), msg)
	t.Skip(msg)
}

var (
	dpkgTool   = [2]string{"dpkg-deb", "dpkg"}
	depmodTool = [2]string{"depmod", "kmod"}
)

// buildDeb makes a .deb holding files (path -> content) with dpkg-deb.
func buildDeb(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	files["DEBIAN/control"] = fmt.Sprintf("Package: %s\nVersion: 1.0-1\nArchitecture: all\nMaintainer: test <t@example.com>\nDescription: test\n", name)
	for p, c := range files {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deb := filepath.Join(dir, name+"_1.0-1_all.deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, out)
	}
	return deb
}

func TestUnpackCached(t *testing.T) {
	needTools(t, dpkgTool, depmodTool)
	const kver = "6.1.0-99-arm64"
	kernel := buildDeb(t, "linux-image-"+kver, map[string]string{
		"boot/vmlinuz-" + kver: "kernel",
		"usr/lib/linux-image-" + kver + "/broadcom/bcm2837-rpi-zero-2-w.dtb": "dtb",
		"lib/modules/" + kver + "/modules.builtin":                           "",
		"lib/modules/" + kver + "/modules.order":                             "",
	})
	fw := buildDeb(t, "raspi-firmware", map[string]string{
		"usr/lib/raspi-firmware/bootcode.bin":      "bootcode",
		"lib/firmware/brcm/brcmfmac43430-sdio.txt": "nvram",
	})
	m := &Manifest{KernelVersion: kver, Mirrors: map[string]string{"bookworm": "http://127.0.0.1:1/debian"}}
	debs := map[string]string{}
	for name, f := range map[string]string{"linux-image-" + kver: kernel, "raspi-firmware": fw} {
		h, err := fileSHA256(f)
		if err != nil {
			t.Fatal(err)
		}
		m.Packages = append(m.Packages, Package{Name: name, Version: "1.0-1", Arch: "all", SHA256: h,
			Path: "pool/main/x/" + filepath.Base(f), Suite: "bookworm"})
		debs[name] = f
	}
	slices.SortFunc(m.Packages, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	dir := t.TempDir()
	tr, err := Unpack(context.Background(), m, debs, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{tr.Kernel(), tr.DTB("bcm2837-rpi-zero-2-w.dtb"), filepath.Join(tr.FirmwareDir(), "bootcode.bin"),
		filepath.Join(tr.ModulesDir(), "modules.dep"), tr.LinuxFirmware("brcm/brcmfmac43430-sdio.txt")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("tree lacks %v", err)
		}
	}
	// Second call: cached by manifest hash, needs no .debs and no tools.
	start := time.Now()
	tr2, err := Unpack(context.Background(), m, nil, dir)
	if err != nil || tr2.Root != tr.Root {
		t.Fatalf("cached Unpack = %+v, %v", tr2, err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("cached Unpack took %s", d)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("unpack dir has %d entries, want just the tree", len(ents))
	}
	// A different manifest is a different tree; missing .debs are an error.
	m.Packages[0].SHA256 = strings.Repeat("ab", 32)
	if _, err := Unpack(context.Background(), m, map[string]string{}, dir); err == nil || !strings.Contains(err.Error(), "no .deb for") {
		t.Errorf("Unpack without debs: %v", err)
	}
}

func TestUnpackWrongKernelVersion(t *testing.T) {
	needTools(t, dpkgTool, depmodTool)
	deb := buildDeb(t, "linux-image-6.1.0-98-arm64", map[string]string{"boot/vmlinuz-6.1.0-97-arm64": "k"})
	h, _ := fileSHA256(deb)
	m := &Manifest{KernelVersion: "6.1.0-98-arm64", Mirrors: map[string]string{"b": "http://x"},
		Packages: []Package{{Name: "linux-image-6.1.0-98-arm64", Version: "1.0-1", Arch: "all", SHA256: h,
			Path: "pool/" + filepath.Base(deb), Suite: "b"}}}
	_, err := Unpack(context.Background(), m, map[string]string{m.Packages[0].Name: deb}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "boot/vmlinuz-6.1.0-98-arm64") {
		t.Errorf("error = %v", err)
	}
}

func TestToolError(t *testing.T) {
	_, err := findTool("no-such-tool-bootfiles", "some-package")
	var te *ToolError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "apt-get install some-package") {
		t.Errorf("error = %v", err)
	}
}

// TestFetchReal downloads (once; then from the cache) the pinned packages,
// unpacks them and checks the files the image builder uses. It skips loudly
// when tools or the network are missing, and fails instead under CI=true.
func TestFetchReal(t *testing.T) {
	if testing.Short() {
		skipOrFail(t, "-short")
	}
	needTools(t, dpkgTool, depmodTool)
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	cache, err := CacheDir()
	if err != nil {
		skipOrFail(t, err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	debs, err := Fetch(ctx, m, cache, testLog{t})
	if err != nil {
		var hm *HashMismatchError
		if errors.As(err, &hm) {
			t.Fatal(err) // never a local excuse
		}
		skipOrFail(t, "cannot fetch the pinned packages (network?): "+err.Error())
	}
	t.Logf("fetch: %s (cache %s)", time.Since(start).Round(time.Millisecond), cache)
	start = time.Now()
	tr, err := Unpack(ctx, m, debs, filepath.Join(cache, "trees"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("unpack: %s -> %s", time.Since(start).Round(time.Millisecond), tr.Root)
	for _, f := range []string{tr.Kernel(), tr.DTB("bcm2837-rpi-zero-2-w.dtb"),
		filepath.Join(tr.FirmwareDir(), "bootcode.bin"), filepath.Join(tr.FirmwareDir(), "start.elf"),
		filepath.Join(tr.FirmwareDir(), "fixup.dat"), filepath.Join(tr.ModulesDir(), "modules.dep")} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("missing or empty: %s (%v)", f, err)
		}
	}
	for _, f := range PiWiFiFirmware {
		if b, err := os.ReadFile(tr.LinuxFirmware(f)); err != nil || len(b) == 0 {
			t.Errorf("Wi-Fi firmware %s: %v", f, err)
		}
	}
	mods, err := ModuleClosure(tr.ModulesDir(), VirtioNet)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range mods {
		names = append(names, moduleName(p))
	}
	want := []string{"virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "failover", "net_failover", "virtio_net"}
	if !slices.Equal(names, want) {
		t.Errorf("VirtioNet closure = %q, want %q", names, want)
	}
	for set, names := range map[string][]string{"PiSDCard": PiSDCard, "PiWiFi": PiWiFi, "USBEthernet": USBEthernet, "Watchdog": Watchdog} {
		mods, err := ModuleClosure(tr.ModulesDir(), names)
		if err != nil {
			t.Errorf("%s: %v", set, err)
			continue
		}
		size, _ := ModulesSize(tr.ModulesDir(), mods)
		t.Logf("%s: %d modules, %d KB", set, len(mods), size/1024)
		if err := WriteTrimmedDeps(tr.ModulesDir(), mods, &strings.Builder{}); err != nil {
			t.Errorf("%s: WriteTrimmedDeps: %v", set, err)
		}
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
