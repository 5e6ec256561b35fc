package appliance

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mount flags (Linux values; mount_linux.go checks them against
// golang.org/x/sys/unix so that this file builds on every OS).
const (
	MountReadOnly uintptr = 0x1 // MS_RDONLY
	MountNoSUID   uintptr = 0x2 // MS_NOSUID
	MountNoDev    uintptr = 0x4 // MS_NODEV
	MountNoExec   uintptr = 0x8 // MS_NOEXEC

	// BootMountFlags are the only flags the boot partition is ever
	// mounted with: read-only, nothing on it executed or trusted.
	BootMountFlags = MountReadOnly | MountNoSUID | MountNoDev | MountNoExec
)

// Mounter mounts a file system (mount(2)).
type Mounter interface {
	Mount(source, target, fstype string, flags uintptr, data string) error
}

// ErrNotReadOnly is returned by MountBootReadOnly if it is ever asked to
// mount without MS_RDONLY. The SD card is only ever read.
var ErrNotReadOnly = errors.New("refusing to mount the boot partition without MS_RDONLY: the SD card is never written")

// MountBootReadOnly mounts the FAT boot partition dev at target,
// read-only. It is the only code path that mounts the card.
func MountBootReadOnly(m Mounter, dev, target string) error {
	return mountChecked(m, dev, target, BootMountFlags)
}

func mountChecked(m Mounter, dev, target string, flags uintptr) error {
	if flags&MountReadOnly == 0 {
		return ErrNotReadOnly
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	return m.Mount(dev, target, "vfat", flags, "")
}

// Disk is a whole block device found in /sys/block.
type Disk struct {
	Name   string // mmcblk0
	DiskID string // MBR disk identifier, 8 lower-case hex digits; "" without an MBR
	Label  string // FAT volume label of the first partition, trimmed; "" if none
	Part1  string // device node of the first partition, /dev/mmcblk0p1
}

// ReadMBR reads the MBR of r (a whole disk): the disk identifier (bytes
// 440-443, little endian) and the first partition's start sector. ok is
// false without the 0x55AA signature.
func ReadMBR(r io.ReaderAt) (diskID string, start1 uint32, ok bool) {
	var b [512]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return "", 0, false
	}
	if b[510] != 0x55 || b[511] != 0xAA {
		return "", 0, false
	}
	id := binary.LittleEndian.Uint32(b[440:444])
	start1 = binary.LittleEndian.Uint32(b[446+8 : 446+12])
	return fmt.Sprintf("%08x", id), start1, true
}

// ReadFATLabel reads the volume label from a FAT boot sector at offset off
// of r (FAT32 at byte 71, FAT12/16 at byte 43, each after the extended boot
// signature 0x29). It returns "" if there is none.
func ReadFATLabel(r io.ReaderAt, off int64) string {
	var b [512]byte
	if _, err := r.ReadAt(b[:], off); err != nil || b[510] != 0x55 || b[511] != 0xAA {
		return ""
	}
	sig, lab := 38, 43 // FAT12/16
	if binary.LittleEndian.Uint16(b[22:24]) == 0 {
		sig, lab = 66, 71 // FAT32: sectors per FAT (16 bit) is 0
	}
	if b[sig] != 0x29 {
		return ""
	}
	l := strings.TrimRight(string(b[lab:lab+11]), " \x00")
	if l == "NO NAME" {
		return ""
	}
	return l
}

// NormDiskID normalises a disk identifier as written by a person or a
// tool: "0xCA1EB077", "ca1eb077", "CA1EB077-01" (a PARTUUID) all give
// "ca1eb077". It returns "" if s is not one.
func NormDiskID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	if i := strings.IndexByte(s, '-'); i >= 0 {
		s = s[:i]
	}
	if _, err := strconv.ParseUint(s, 16, 32); err != nil || len(s) == 0 || len(s) > 8 {
		return ""
	}
	return fmt.Sprintf("%08s", s)
}

// ScanDisks lists the disks in root/sys/block (except ram, loop and zram
// devices) with their MBR disk identifier and first partition's label,
// read from root/dev/NAME.
func ScanDisks(root string) []Disk {
	ents, err := os.ReadDir(filepath.Join(root, PathSysBlock))
	if err != nil {
		return nil
	}
	var out []Disk
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "zram") {
			continue
		}
		d := Disk{Name: name, Part1: filepath.Join(PathDev, partition1(root, name))}
		f, err := os.Open(filepath.Join(root, PathDev, name))
		if err != nil {
			out = append(out, d)
			continue
		}
		if id, start, ok := ReadMBR(f); ok {
			d.DiskID = id
			if start != 0 {
				d.Label = ReadFATLabel(f, int64(start)*512)
			}
		}
		f.Close()
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// partition1 is the name of disk's first partition: from sysfs
// (/sys/block/DISK/*/partition = 1) if present, else by the kernel's
// naming rule (mmcblk0 -> mmcblk0p1, sda -> sda1).
func partition1(root, disk string) string {
	subs, _ := filepath.Glob(filepath.Join(root, PathSysBlock, disk, disk+"*", "partition"))
	for _, p := range subs {
		if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == "1" {
			return filepath.Base(filepath.Dir(p))
		}
	}
	if n := disk[len(disk)-1]; n >= '0' && n <= '9' {
		return disk + "p1"
	}
	return disk + "1"
}

// PickBootDisk chooses the boot disk: the one whose MBR disk identifier is
// diskID (if given), else the one whose first partition is labelled
// BootLabel. why says how it was recognised.
func PickBootDisk(disks []Disk, diskID string) (d Disk, why string, ok bool) {
	if diskID != "" {
		for _, d := range disks {
			if d.DiskID == diskID {
				return d, "MBR disk identifier " + diskID, true
			}
		}
	}
	for _, d := range disks {
		if strings.EqualFold(d.Label, BootLabel) {
			return d, "FAT label " + BootLabel, true
		}
	}
	return Disk{}, "", false
}

// FindBootDisk waits up to wait for the boot disk to appear (the SD card is
// mmcblk0 once the bcm2835 driver has probed it, which takes a moment
// after the module loads).
func FindBootDisk(ctx context.Context, root, diskID string, wait time.Duration, after func(time.Duration) <-chan time.Time) (Disk, string, []Disk, bool) {
	deadline := after(wait)
	for {
		disks := ScanDisks(root)
		if d, why, ok := PickBootDisk(disks, diskID); ok {
			return d, why, disks, true
		}
		select {
		case <-ctx.Done():
			return Disk{}, "", disks, false
		case <-deadline:
			return Disk{}, "", ScanDisks(root), false
		case <-after(250 * time.Millisecond):
		}
	}
}
