package bootfiles

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tree is the merged contents of the unpacked packages.
type Tree struct {
	Root          string
	KernelVersion string
}

// Kernel is the uncompressed arm64 Image, boot/vmlinuz-KVER.
func (t *Tree) Kernel() string {
	return filepath.Join(t.Root, "boot", "vmlinuz-"+t.KernelVersion)
}

// DTB is a device tree from the kernel package. A bare name is looked up in
// the broadcom/ directory ("bcm2837-rpi-zero-2-w.dtb"); a name with a slash
// is relative to usr/lib/linux-image-KVER ("broadcom/bcm2837-rpi-3-b.dtb").
func (t *Tree) DTB(name string) string {
	if !strings.Contains(name, "/") {
		name = "broadcom/" + name
	}
	return filepath.Join(t.Root, "usr", "lib", "linux-image-"+t.KernelVersion, filepath.FromSlash(name))
}

// FirmwareDir holds the VideoCore boot files (bootcode.bin, start.elf,
// fixup.dat, start_cd.elf, fixup_cd.dat, ...).
func (t *Tree) FirmwareDir() string {
	return filepath.Join(t.Root, "usr", "lib", "raspi-firmware")
}

// ModulesDir is lib/modules/KVER (with the modules.dep depmod generated).
func (t *Tree) ModulesDir() string {
	return filepath.Join(t.Root, "lib", "modules", t.KernelVersion)
}

// LinuxFirmware is a file the kernel loads by request_firmware name, e.g.
// "brcm/brcmfmac43430-sdio.bin" -> ROOT/lib/firmware/brcm/... Several are
// symlinks inside the tree (into ../cypress/): read them, do not copy links.
func (t *Tree) LinuxFirmware(name string) string {
	return filepath.Join(t.Root, "lib", "firmware", filepath.FromSlash(name))
}

// completeStamp is written last into a tree; its content is the manifest hash.
const completeStamp = ".bootfiles-complete"

// Unpack extracts every pinned .deb (in manifest order) with dpkg-deb into
// DIR/tree-<hash> and runs depmod there. dir defaults to CacheDir()/trees.
// The result is cached by manifest hash: if the tree is already complete the
// call returns at once, without looking at debs. The .debs are re-verified
// against the pins before unpacking.
func Unpack(ctx context.Context, m *Manifest, debs map[string]string, dir string) (*Tree, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if dir == "" {
		c, err := CacheDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(c, "trees")
	}
	hash := m.Hash()
	t := &Tree{Root: filepath.Join(dir, "tree-"+hash[:16]), KernelVersion: m.KernelVersion}
	if treeComplete(t.Root, hash) {
		return t, nil
	}

	dpkgDeb, err := findTool("dpkg-deb", "dpkg")
	if err != nil {
		return nil, err
	}
	depmod, err := findTool("depmod", "kmod")
	if err != nil {
		return nil, err
	}
	if err := verifyDebs(m, debs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".unpack-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // harmless after a successful rename
	for _, p := range m.Packages {
		if err := run(ctx, dpkgDeb, "-x", debs[p.Name], tmp); err != nil {
			return nil, fmt.Errorf("unpacking %s=%s: %w", p.Name, p.Version, err)
		}
	}
	tt := &Tree{Root: tmp, KernelVersion: m.KernelVersion}
	for _, want := range []string{tt.Kernel(), tt.ModulesDir()} {
		if _, err := os.Stat(want); err != nil {
			return nil, fmt.Errorf("unpacked packages lack %s (is kernelVersion %q right?)", strings.TrimPrefix(want, tmp+"/"), m.KernelVersion)
		}
	}
	// depmod -b wants an absolute base; tmp is absolute when dir is.
	abs, err := filepath.Abs(tmp)
	if err != nil {
		return nil, err
	}
	if err := run(ctx, depmod, "-b", abs, m.KernelVersion); err != nil {
		return nil, fmt.Errorf("depmod: %w", err)
	}
	if _, err := os.Stat(filepath.Join(tt.ModulesDir(), "modules.dep")); err != nil {
		return nil, fmt.Errorf("depmod wrote no modules.dep: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, completeStamp), []byte(hash+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, t.Root); err != nil {
		// Someone else finished the same tree first, or a stale incomplete
		// one is in the way.
		if treeComplete(t.Root, hash) {
			return t, nil
		}
		if rmErr := os.RemoveAll(t.Root); rmErr != nil {
			return nil, fmt.Errorf("replacing incomplete %s: %w", t.Root, rmErr)
		}
		if err := os.Rename(tmp, t.Root); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func treeComplete(root, hash string) bool {
	b, err := os.ReadFile(filepath.Join(root, completeStamp))
	return err == nil && strings.TrimSpace(string(b)) == hash
}

// ToolError says that a host tool is missing and which package provides it.
type ToolError struct{ Tool, DebianPackage string }

func (e *ToolError) Error() string {
	return fmt.Sprintf("%s not found in PATH, /usr/sbin or /sbin: install it (Debian: apt-get install %s)", e.Tool, e.DebianPackage)
}

// findTool looks in PATH and then in the sbin directories, which are not in
// an ordinary user's PATH on Debian (depmod lives in /usr/sbin).
func findTool(name, debianPackage string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &ToolError{Tool: name, DebianPackage: debianPackage}
}

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		if msg != "" {
			return fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, msg)
		}
		return fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
	}
	return nil
}
