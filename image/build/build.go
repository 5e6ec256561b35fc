// Package build turns the server into the appliance: it fetches the pinned
// Debian boot files, builds the initramfs for a board, and for the Pi
// writes the SD card image. image/cmd/mkimage is its command line; the
// QEMU tests call it directly.
package build

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/image/bootfiles"
	"github.com/calendarbot/calendarbot/image/initramfs"
	"github.com/calendarbot/calendarbot/image/sdcard"
)

// Boards.
const (
	BoardZero2W = "zero2w"
	BoardQEMU   = "qemu"
)

// DiskID is the SD image's MBR disk identifier: the uinit finds the boot
// partition by it (and it gives a stable PARTUUID).
const DiskID uint32 = 0xca1eb077

// Options for one build.
type Options struct {
	Board      string // BoardZero2W or BoardQEMU
	OutDir     string
	ConfigFile string // baked into the image as the default calendarbot.toml; "" = overlays/boot's template
	Debug      bool   // shell and debug commands on the serial console
	// Version is what the server reports (calendarbot version, the boot
	// screen); "" = `git describe --tags --always --dirty` in RepoRoot,
	// else "dev". It is a function of the commit, so builds stay
	// reproducible.
	Version  string
	RepoRoot string // where overlays/ lives
	CacheDir string // Debian packages; "" = bootfiles.CacheDir()
	// SourceDateEpoch makes the output reproducible; 0 = $SOURCE_DATE_EPOCH or the last commit's time.
	SourceDateEpoch int64
	Log             io.Writer
}

// Output lists what a build produced.
type Output struct {
	Kernel    string // the arm64 Image
	Initramfs string // .cpio.gz
	DTB       string // Zero 2 W device tree (zero2w)
	Image     string // calendarbot.img (zero2w)
	Initrd    *initramfs.Result
	Manifest  *sdcard.Manifest
	BuildTime time.Time
}

// Build runs the whole pipeline for one board.
func Build(ctx context.Context, o Options) (*Output, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Board != BoardZero2W && o.Board != BoardQEMU {
		return nil, fmt.Errorf("unknown board %q (zero2w or qemu)", o.Board)
	}
	if strings.ContainsAny(o.Version, " \t\n'\"\\") {
		return nil, fmt.Errorf("version %q: no spaces or quotes (it goes into -ldflags)", o.Version)
	}
	if o.CacheDir == "" {
		d, err := bootfiles.CacheDir()
		if err != nil {
			return nil, err
		}
		o.CacheDir = d
	}
	if o.SourceDateEpoch == 0 {
		o.SourceDateEpoch = sourceDateEpoch()
	}
	buildTime := time.Unix(o.SourceDateEpoch, 0).UTC()
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	m, err := bootfiles.DefaultManifest()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "mkimage: boot files (kernel %s)\n", m.KernelVersion)
	debs, err := bootfiles.Fetch(ctx, m, o.CacheDir, o.Log)
	if err != nil {
		return nil, err
	}
	tree, err := bootfiles.Unpack(ctx, m, debs, "")
	if err != nil {
		return nil, err
	}

	mods := append(append([]string{}, bootfiles.VirtioNet...), bootfiles.QEMUDisplay...)
	if o.Board == BoardZero2W {
		mods = append(append(append([]string{}, bootfiles.PiSDCard...), bootfiles.USBEthernet...), bootfiles.Watchdog...)
		// The SoC's hardware RNG: without it the kernel's random pool can
		// take minutes to initialise on a board with no other entropy, and
		// every Go program that asks crypto/rand blocks until it has.
		mods = append(mods, "bcm2835_rng")
	}
	kos, err := bootfiles.ModuleClosure(tree.ModulesDir(), mods)
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	var loadList []string
	kmodDir := path.Join("lib/modules", tree.KernelVersion)
	for _, rel := range kos {
		files[path.Join(kmodDir, rel)] = filepath.Join(tree.ModulesDir(), filepath.FromSlash(rel))
		loadList = append(loadList, strings.TrimSuffix(path.Base(rel), ".ko"))
	}
	var deps strings.Builder
	if err := bootfiles.WriteTrimmedDeps(tree.ModulesDir(), kos, &deps); err != nil {
		return nil, err
	}
	contents := map[string][]byte{
		path.Join(kmodDir, "modules.dep"):     []byte(deps.String()),
		"lib/modules-load.d/calendarbot.conf": []byte(strings.Join(loadList, "\n") + "\n"),
		"etc/calendarbot/build-time":          []byte(buildTime.Format(time.RFC3339) + "\n"),
		"etc/calendarbot/boot-disk-id":        []byte(fmt.Sprintf("%08x\n", DiskID)),
		"etc/calendarbot/board":               []byte(o.Board + "\n"),
	}
	cfg, err := os.ReadFile(o.configFile())
	if err != nil {
		return nil, fmt.Errorf("config to bake in: %w", err)
	}
	contents["etc/calendarbot/calendarbot.toml"] = cfg
	if err := addOverlay(filepath.Join(o.RepoRoot, "overlays", "rootfs"), contents); err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp("", "calendarbot-initramfs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := &Output{Kernel: tree.Kernel(), BuildTime: buildTime}
	out.Initramfs = filepath.Join(o.OutDir, "initramfs-"+o.Board+".cpio.gz")
	fmt.Fprintf(o.Log, "mkimage: initramfs for %s (%d modules)\n", o.Board, len(kos))
	out.Initrd, err = initramfs.Build(ctx, initramfs.Options{
		Out: out.Initramfs, TempDir: tmp, Debug: o.Debug, Files: files, Contents: contents, Version: o.version(),
		Logger: slog.New(slog.NewTextHandler(o.Log, nil)),
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "mkimage: initramfs %d bytes compressed, %d unpacked, %d files\n",
		out.Initrd.Compressed, out.Initrd.Uncompressed, out.Initrd.Records)
	if o.Board == BoardQEMU {
		return out, nil
	}

	out.DTB = tree.DTB("bcm2837-rpi-zero-2-w.dtb")
	boot := []sdcard.File{
		{Name: "vmlinuz", Src: tree.Kernel()},
		{Name: "initrd.img", Src: out.Initramfs},
		{Name: "bcm2837-rpi-zero-2-w.dtb", Src: out.DTB},
		{Name: "calendarbot.toml", Data: cfg},
	}
	for _, f := range []string{"bootcode.bin", "start.elf", "fixup.dat", "start_cd.elf", "fixup_cd.dat"} {
		boot = append(boot, sdcard.File{Name: f, Src: filepath.Join(tree.FirmwareDir(), f)})
	}
	for _, f := range []string{"config.txt", "cmdline.txt"} {
		boot = append(boot, sdcard.File{Name: f, Src: filepath.Join(o.RepoRoot, "overlays", "boot", f)})
	}
	out.Image = filepath.Join(o.OutDir, "calendarbot.img")
	fmt.Fprintf(o.Log, "mkimage: SD image %s\n", out.Image)
	out.Manifest, err = sdcard.Build(out.Image, boot, sdcard.Options{DiskID: DiskID, SourceDateEpoch: o.SourceDateEpoch})
	if err != nil {
		return nil, err
	}
	return out, nil // sdcard.Build also wrote calendarbot.img.manifest
}

func (o Options) configFile() string {
	if o.ConfigFile != "" {
		return o.ConfigFile
	}
	return filepath.Join(o.RepoRoot, "overlays", "boot", "calendarbot.toml")
}

// addOverlay adds every file under dir (overlays/rootfs) to the archive.
func addOverlay(dir string, contents map[string][]byte) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		contents[filepath.ToSlash(rel)] = b
		return nil
	})
}

// sourceDateEpoch is $SOURCE_DATE_EPOCH, else the newest commit's time
// (read by the caller's Makefile), else a fixed date: never the wall
// clock, so builds are reproducible.
func sourceDateEpoch() int64 {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v
		}
	}
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
}

// version is o.Version, or git's description of RepoRoot's commit.
func (o *Options) version() string {
	if o.Version != "" {
		return o.Version
	}
	out, err := exec.Command("git", "-C", o.RepoRoot, "describe", "--tags", "--always", "--dirty").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return "dev"
}
