// Package initramfs builds the appliance's root file system: a u-root
// initramfs (u-root's init, our uinit and the server in one busybox-style
// Go binary, cross-compiled for linux/arm64 with CGO off), plus the kernel
// modules and firmware the board needs and the files of overlays/rootfs.
//
// The system lives entirely in this archive, in RAM: nothing is ever
// mounted read-write from the SD card. The output is reproducible: records
// are sorted, their metadata normalised (cpio.MakeReproducible) and the
// gzip stream carries no name or time, so the same inputs give the same
// bytes.
package initramfs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/u-root/gobusybox/src/pkg/golang"
	"github.com/u-root/mkuimage/uimage"
	"github.com/u-root/mkuimage/uimage/builder"
	"github.com/u-root/u-root/pkg/cpio"
	"github.com/u-root/uio/llog"
)

// Import paths of what goes into the busybox binary.
const (
	InitCmd   = "github.com/u-root/u-root/cmds/core/init"
	UinitCmd  = "github.com/calendarbot/calendarbot/image/cmd/uinit"
	ServerCmd = "github.com/calendarbot/calendarbot/server/cmd/calendarbot"
	ShellCmd  = "github.com/u-root/u-root/cmds/core/gosh"
)

// DebugCmds are the u-root commands added for the serial console when the
// image is built with Debug: enough to look around, not a distribution.
var DebugCmds = []string{
	ShellCmd,
	"github.com/u-root/u-root/cmds/core/cat",
	"github.com/u-root/u-root/cmds/core/dmesg",
	"github.com/u-root/u-root/cmds/core/free",
	"github.com/u-root/u-root/cmds/core/ip",
	"github.com/u-root/u-root/cmds/core/ls",
	"github.com/u-root/u-root/cmds/core/lsmod",
	"github.com/u-root/u-root/cmds/core/mount",
	"github.com/u-root/u-root/cmds/core/ps",
	"github.com/u-root/u-root/cmds/core/wget",
}

// Options describe one initramfs.
type Options struct {
	// Out is the gzip-compressed cpio archive to write.
	Out string
	// TempDir holds the build; it must exist.
	TempDir string
	// Debug adds a shell and DebugCmds for the serial console.
	Debug bool
	// Files are extra files: archive path (relative, e.g.
	// "lib/modules/6.1.0-57-arm64/kernel/…/virtio_net.ko") -> host path.
	Files map[string]string
	// Contents are extra files given as bytes: archive path -> content.
	Contents map[string][]byte
	// Logger receives the builder's progress; nil discards it.
	Logger *slog.Logger
	// Version is stamped into the server (main.version and the feed
	// fetcher's User-Agent); "" leaves the server's "dev".
	Version string
}

// Result describes a built archive.
type Result struct {
	Compressed   int64 // bytes of the .cpio.gz
	Uncompressed int64 // bytes of the cpio stream (what unpacks into RAM)
	Records      int
}

// Build cross-compiles the commands and writes the archive.
func Build(ctx context.Context, o Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	raw := filepath.Join(o.TempDir, "mkuimage.cpio")
	// u-root's busybox compiles in GOPATH mode, where Go applies the
	// GODEBUG defaults of Go 1.20: the server's method-and-path routes
	// ("GET /api/…", Go 1.22) would not match. So the server is its own
	// binary, built in module mode with this module's go version, and the
	// busybox holds init, uinit and the debug commands.
	cmds := []string{InitCmd, UinitCmd}
	shell := ""
	if o.Debug {
		cmds = append(cmds, DebugCmds...)
		shell = "gosh"
	}
	var files []string
	hostFiles := make([]string, 0, len(o.Files))
	for dst := range o.Files {
		hostFiles = append(hostFiles, dst)
	}
	sort.Strings(hostFiles)
	for _, dst := range hostFiles {
		files = append(files, o.Files[dst]+":"+strings.TrimPrefix(dst, "/"))
	}
	env := golang.Default(golang.DisableCGO(), golang.WithGOARCH("arm64"), golang.WithGOOS("linux"))
	mods := []uimage.Modifier{
		uimage.WithReplaceEnv(env),
		uimage.WithTempDir(o.TempDir),
		uimage.WithBaseArchive(uimage.DefaultRamfs()),
		uimage.WithBusyboxCommands(cmds...),
		uimage.WithCommands(serverBuildOpts(o.Version), builder.Binary, ServerCmd),
		uimage.WithInit("init"),
		uimage.WithUinit("uinit"),
		uimage.WithSkipLDD(),
		uimage.WithFiles(files...),
		uimage.WithCPIOOutput(raw),
	}
	if shell != "" {
		mods = append(mods, uimage.WithShell(shell))
	}
	logger := llog.New(slog.LevelWarn, func(format string, args ...any) {
		if o.Logger != nil {
			o.Logger.Info(fmt.Sprintf(format, args...))
		}
	})
	if err := uimage.Create(logger, mods...); err != nil {
		return nil, fmt.Errorf("building the u-root initramfs (needs the Go toolchain and module cache): %w", err)
	}
	return Reproducible(raw, o.Out, o.Contents)
}

// Reproducible rewrites a cpio archive with sorted records, normalised
// metadata and the extra contents added, then gzips it without name or
// time, so that identical inputs give identical bytes.
func Reproducible(in, out string, contents map[string][]byte) (*Result, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(f))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", in, err)
	}
	byName := make(map[string]cpio.Record, len(recs)+len(contents))
	for _, r := range recs {
		if r.Name == "TRAILER!!!" {
			continue
		}
		byName[cpio.Normalize(r.Name)] = r
	}
	for name, data := range contents {
		name = cpio.Normalize(name)
		byName[name] = cpio.StaticFile(name, string(data), 0o644)
	}
	// Parent directories for every file, so the kernel can unpack them.
	for name := range byName {
		for dir := filepath.Dir(name); dir != "." && dir != "/"; dir = filepath.Dir(dir) {
			if _, ok := byName[dir]; !ok {
				byName[dir] = cpio.Directory(dir, 0o755)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	for _, n := range names {
		r := cpio.MakeReproducible(byName[n])
		if err := w.WriteRecord(r); err != nil {
			return nil, fmt.Errorf("writing %s: %w", n, err)
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return nil, err
	}
	res := &Result{Uncompressed: int64(buf.Len()), Records: len(names)}
	o, err := os.Create(out)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewWriterLevel(o, gzip.BestCompression)
	if err != nil {
		o.Close()
		return nil, err
	}
	if _, err := io.Copy(gz, &buf); err != nil {
		o.Close()
		return nil, err
	}
	if err := errors.Join(gz.Close(), o.Close()); err != nil {
		return nil, err
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, err
	}
	res.Compressed = st.Size()
	return res, nil
}

// serverBuildOpts keeps mkuimage's defaults (stripped, no build ID,
// -trimpath, no inlining for a smaller binary) and stamps the version: a
// later -ldflags replaces mkuimage's, so it repeats "-s -w -buildid=".
func serverBuildOpts(version string) *golang.BuildOpts {
	if version == "" {
		return &golang.BuildOpts{}
	}
	return &golang.BuildOpts{ExtraArgs: []string{"-ldflags", "-s -w -buildid=" +
		" -X main.version=" + version +
		" -X github.com/calendarbot/calendarbot/server/feed.Version=" + version}}
}
