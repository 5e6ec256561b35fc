// Command bootfiles fetches and unpacks the pinned Debian packages of the
// appliance image (kernel, Pi boot firmware, Wi-Fi firmware).
//
//	bootfiles fetch                 download and verify the .debs, print their paths
//	bootfiles unpack                fetch + unpack + depmod, print the tree's key paths
//	bootfiles closure [SET|MOD]...  print the .ko files of module sets/names, load order
//	bootfiles pin [-write]          resolve the newest versions with apt, print (or write) the manifest
//
// Flags (before the subcommand's arguments): -manifest FILE (default: the
// embedded image/bootfiles/manifest.json; pin -write needs the file), -cache DIR
// (default $CALENDARBOT_CACHE, $XDG_CACHE_HOME/calendarbot, ~/.cache/calendarbot).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/image/bootfiles"
)

var sets = map[string][]string{
	"VirtioNet":   bootfiles.VirtioNet,
	"PiSDCard":    bootfiles.PiSDCard,
	"PiWiFi":      bootfiles.PiWiFi,
	"USBEthernet": bootfiles.USBEthernet,
	"Watchdog":    bootfiles.Watchdog,
	"QEMUDisplay": bootfiles.QEMUDisplay,
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: bootfiles [-manifest FILE] [-cache DIR] fetch|unpack|closure|pin [args]
  fetch                  download + verify the pinned .debs (cached), print name and path
  unpack                 fetch + unpack + depmod (cached by manifest hash), print paths
  closure [-deps] SET|MODULE...
                         print the .ko files (relative to the modules dir) in load order;
                         SETs: VirtioNet PiSDCard PiWiFi USBEthernet Watchdog QEMUDisplay;
                         -deps prints the trimmed modules.dep instead
  pin [-write]           resolve the newest versions with apt (private config in the
                         cache) and print the updated manifest, or write it to -manifest
`)
	os.Exit(2)
}

func main() {
	manifest := flag.String("manifest", "", "manifest file (default: the embedded manifest.json)")
	cache := flag.String("cache", "", "cache directory")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() < 1 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *manifest, *cache, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bootfiles:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, manifestPath, cache, cmd string, args []string) error {
	var m *bootfiles.Manifest
	var err error
	if manifestPath != "" {
		m, err = bootfiles.LoadManifest(manifestPath)
	} else {
		m, err = bootfiles.DefaultManifest()
	}
	if err != nil {
		return err
	}
	if cache == "" {
		if cache, err = bootfiles.CacheDir(); err != nil {
			return err
		}
	}
	tree := func() (*bootfiles.Tree, error) {
		start := time.Now()
		debs, err := bootfiles.Fetch(ctx, m, cache, os.Stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "bootfiles: fetch (verified) %s\n", time.Since(start).Round(time.Millisecond))
		start = time.Now()
		t, err := bootfiles.Unpack(ctx, m, debs, filepath.Join(cache, "trees"))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "bootfiles: unpack %s\n", time.Since(start).Round(time.Millisecond))
		return t, nil
	}

	switch cmd {
	case "fetch":
		start := time.Now()
		debs, err := bootfiles.Fetch(ctx, m, cache, os.Stderr)
		if err != nil {
			return err
		}
		for _, p := range m.Packages {
			fmt.Printf("%s\t%s\n", p.Name, debs[p.Name])
		}
		fmt.Fprintf(os.Stderr, "bootfiles: fetch (verified) %s\n", time.Since(start).Round(time.Millisecond))
	case "unpack":
		t, err := tree()
		if err != nil {
			return err
		}
		fmt.Printf("root\t%s\nkernel\t%s\ndtb\t%s\nfirmware\t%s\nmodules\t%s\n",
			t.Root, t.Kernel(), t.DTB("bcm2837-rpi-zero-2-w.dtb"), t.FirmwareDir(), t.ModulesDir())
	case "closure":
		fs := flag.NewFlagSet("closure", flag.ExitOnError)
		deps := fs.Bool("deps", false, "print the trimmed modules.dep")
		fs.Parse(args)
		if fs.NArg() == 0 {
			usage()
		}
		var names []string
		for _, a := range fs.Args() {
			if s, ok := sets[a]; ok {
				names = append(names, s...)
			} else {
				names = append(names, a)
			}
		}
		t, err := tree()
		if err != nil {
			return err
		}
		mods, err := bootfiles.ModuleClosure(t.ModulesDir(), names)
		if err != nil {
			return err
		}
		if *deps {
			return bootfiles.WriteTrimmedDeps(t.ModulesDir(), mods, os.Stdout)
		}
		for _, mod := range mods {
			fmt.Println(mod)
		}
		size, err := bootfiles.ModulesSize(t.ModulesDir(), mods)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bootfiles: %d modules, %d bytes (%s)\n", len(mods), size, strings.Join(fs.Args(), " "))
	case "pin":
		fs := flag.NewFlagSet("pin", flag.ExitOnError)
		write := fs.Bool("write", false, "write the result to the -manifest file")
		fs.Parse(args)
		if *write && manifestPath == "" {
			return fmt.Errorf("pin -write needs -manifest (e.g. -manifest image/bootfiles/manifest.json)")
		}
		nm, err := bootfiles.Resolve(ctx, m, filepath.Join(cache, "apt"), os.Stderr)
		if err != nil {
			return err
		}
		b, err := nm.MarshalIndent()
		if err != nil {
			return err
		}
		if !*write {
			_, err = os.Stdout.Write(b)
			return err
		}
		if err := os.WriteFile(manifestPath, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bootfiles: wrote %s; now run: go test ./image/bootfiles/ -run TestFetchReal\n", manifestPath)
	default:
		usage()
	}
	return nil
}
