package appliance

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModuleLoader loads one kernel module with its dependencies (from the
// initramfs's modules.dep).
type ModuleLoader interface {
	Load(name string) error
}

// ErrModuleNotFound is returned (wrapped) by a ModuleLoader for a module
// the image does not carry.
var ErrModuleNotFound = errors.New("module not in this image")

// ModuleList reads the modules to load, in order and without duplicates:
// the *.conf files in /lib/modules-load.d (sorted by name), then
// /etc/calendarbot/modules. Lines are module names; blank lines and lines
// starting with # or ; are ignored.
func ModuleList(root string) []string {
	var files []string
	confs, _ := filepath.Glob(filepath.Join(root, PathModulesLoadD, "*.conf"))
	files = append(files, confs...)
	files = append(files, filepath.Join(root, PathModuleList))
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
			name := strings.Fields(line)[0]
			if key := normModule(name); !seen[key] {
				seen[key] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// LoadedModules reads /proc/modules: the names of loaded modules,
// normalised (underscores).
func LoadedModules(root string) map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(root, PathProcModules))
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			out[normModule(f[0])] = true
		}
	}
	return out
}

func normModule(name string) string { return strings.ReplaceAll(name, "-", "_") }

// LoadModules loads every listed module in order. u-root's init has
// usually loaded the modules-load.d ones already; those are reported as
// such. A module that is missing or fails is logged and skipped: the
// appliance goes on with what it has (a missing USB Ethernet driver must
// not keep the status page from showing on the screen). It returns a
// summary for the boot screen and whether every module is there.
func LoadModules(c *console, root string, l ModuleLoader) (summary string, complete bool) {
	list := ModuleList(root)
	if len(list) == 0 {
		c.logf("modules", "no modules listed in %s/*.conf or %s", PathModulesLoadD, PathModuleList)
		return "none needed", true
	}
	if l == nil {
		c.logf("modules", "loading kernel modules is not supported on this platform: skipped %s", strings.Join(list, " "))
		return "not supported here", true
	}
	loaded := LoadedModules(root)
	var ok, already, missing, failed []string
	for _, m := range list {
		if loaded[normModule(m)] {
			already = append(already, m)
			continue
		}
		err := l.Load(m)
		switch {
		case err == nil:
			ok = append(ok, m)
		case errors.Is(err, ErrModuleNotFound):
			missing = append(missing, m)
			c.logf("modules", "%s is not in this image: skipped (the hardware it drives will not work)", m)
		default:
			failed = append(failed, m)
			c.logf("modules", "%s failed to load: %v (skipped)", m, err)
		}
	}
	c.logf("modules", "%d loaded now, %d already loaded, %d missing, %d failed", len(ok), len(already), len(missing), len(failed))
	if len(ok) > 0 {
		c.debugf("modules", "loaded: %s", strings.Join(ok, " "))
	}
	if bad := append(missing, failed...); len(bad) > 0 {
		return "not loaded: " + strings.Join(bad, ", "), false
	}
	return fmt.Sprintf("%d loaded", len(ok)+len(already)), true
}
