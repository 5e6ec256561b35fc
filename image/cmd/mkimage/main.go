// Command mkimage builds the CalendarBot appliance: the SD card image for
// the Raspberry Pi Zero 2 W (--board zero2w) or the kernel and initramfs
// for QEMU's virt machine (--board qemu). See image/README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/image/build"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	fs := pflag.NewFlagSet("mkimage", pflag.ContinueOnError)
	board := fs.String("board", build.BoardZero2W, "zero2w (SD card image) or qemu (kernel + initramfs for -M virt)")
	out := fs.String("out", "out", "output directory")
	cfg := fs.String("config", "", "calendarbot.toml to bake in (default: overlays/boot/calendarbot.toml)")
	debug := fs.Bool("debug", false, "add a shell and debug commands for the serial console")
	root := fs.String("repo", ".", "repository root (where overlays/ is)")
	version := fs.String("version", "", "version the server reports (calendarbot version, the boot screen); default: git describe of the repository, else dev")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		return 2
	}
	start := time.Now()
	o, err := build.Build(ctx, build.Options{Board: *board, OutDir: *out, ConfigFile: *cfg, Debug: *debug, RepoRoot: *root, Version: *version, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		return 1
	}
	fmt.Printf("kernel     %s\ninitramfs  %s (%d bytes gzip, %d unpacked)\n", o.Kernel, o.Initramfs, o.Initrd.Compressed, o.Initrd.Uncompressed)
	if o.Image != "" {
		fmt.Printf("image      %s (sha256 %s)\n", o.Image, o.Manifest.ImageSHA256)
	}
	fmt.Printf("built in %s\n", time.Since(start).Round(100*time.Millisecond))
	return 0
}
