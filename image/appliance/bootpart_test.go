package appliance

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// diskImage builds the first sectors of a disk: an MBR with diskID and a
// FAT32 boot sector labelled label at sector 8 (partition 1).
func diskImage(diskID uint32, label string) []byte {
	b := make([]byte, 16*512)
	binary.LittleEndian.PutUint32(b[440:], diskID)
	b[446+4] = 0x0c                                // FAT32 LBA
	binary.LittleEndian.PutUint32(b[446+8:], 8)    // start sector
	binary.LittleEndian.PutUint32(b[446+12:], 100) // sectors
	b[510], b[511] = 0x55, 0xAA
	bs := b[8*512 : 9*512]
	copy(bs[3:], "mkfs.fat")
	binary.LittleEndian.PutUint16(bs[11:], 512)
	// sectors per FAT (16 bit) stays 0: FAT32
	bs[66] = 0x29
	copy(bs[71:82], (label + "           ")[:11])
	copy(bs[82:], "FAT32   ")
	bs[510], bs[511] = 0x55, 0xAA
	return b
}

func fakeBlock(t *testing.T, root, name string, img []byte, parts ...string) {
	t.Helper()
	writeFiles(t, root, map[string]string{"dev/" + name: string(img), "sys/block/" + name + "/size": "100\n"})
	for i, p := range parts {
		writeFiles(t, root, map[string]string{"sys/block/" + name + "/" + p + "/partition": string(rune('1'+i)) + "\n"})
	}
}

func TestReadMBRAndLabel(t *testing.T) {
	img := diskImage(0xca1eb077, "CALBOOT")
	f := filepath.Join(t.TempDir(), "d")
	os.WriteFile(f, img, 0o644)
	r, _ := os.Open(f)
	defer r.Close()
	id, start, ok := ReadMBR(r)
	if !ok || id != "ca1eb077" || start != 8 {
		t.Fatalf("ReadMBR = %q %d %v", id, start, ok)
	}
	if l := ReadFATLabel(r, 8*512); l != "CALBOOT" {
		t.Errorf("label = %q", l)
	}
	os.WriteFile(f, make([]byte, 1024), 0o644)
	r2, _ := os.Open(f)
	defer r2.Close()
	if _, _, ok := ReadMBR(r2); ok {
		t.Error("blank disk read as MBR")
	}
}

func TestNormDiskID(t *testing.T) {
	for in, want := range map[string]string{
		"ca1eb077\n": "ca1eb077", "0xCA1EB077": "ca1eb077", "CA1EB077-01": "ca1eb077",
		"1eb077": "001eb077", "": "", "nothex!!": "", "123456789": "",
	} {
		if got := NormDiskID(in); got != want {
			t.Errorf("NormDiskID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScanAndPickBootDisk(t *testing.T) {
	root := t.TempDir()
	fakeBlock(t, root, "loop0", diskImage(0xca1eb077, "CALBOOT")) // ignored
	fakeBlock(t, root, "mmcblk0", diskImage(0xca1eb077, "CALBOOT"), "mmcblk0p1")
	fakeBlock(t, root, "sda", diskImage(0x12345678, "CALBOOT"))
	disks := ScanDisks(root)
	if len(disks) != 2 || disks[0].Name != "mmcblk0" || disks[0].Part1 != "/dev/mmcblk0p1" || disks[1].Part1 != "/dev/sda1" {
		t.Fatalf("disks = %+v", disks)
	}
	d, why, ok := PickBootDisk(disks, "ca1eb077")
	if !ok || d.Name != "mmcblk0" || !strings.Contains(why, "ca1eb077") {
		t.Errorf("by id: %+v %q %v", d, why, ok)
	}
	d, why, ok = PickBootDisk(disks, "")
	if !ok || d.Name != "mmcblk0" || !strings.Contains(why, "CALBOOT") {
		t.Errorf("by label: %+v %q %v", d, why, ok)
	}
	d, _, ok = PickBootDisk(disks, "12345678")
	if !ok || d.Name != "sda" {
		t.Errorf("by id sda: %+v", d)
	}
	if _, _, ok := PickBootDisk([]Disk{{Name: "sdb", DiskID: "00000001", Label: "DATA"}}, "ca1eb077"); ok {
		t.Error("picked a foreign disk")
	}
}

func TestFindBootDiskWaitsForTheCard(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sys/block"), 0o755)
	polls := 0
	after := func(d time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		if d == 250*time.Millisecond {
			polls++
			if polls == 3 { // the card appears after a few polls
				fakeBlock(t, root, "mmcblk0", diskImage(0xca1eb077, "CALBOOT"))
			}
			ch <- time.Time{}
		}
		return ch // the deadline never fires
	}
	d, _, _, ok := FindBootDisk(context.Background(), root, "ca1eb077", time.Second, after)
	if !ok || d.Part1 != "/dev/mmcblk0p1" || polls != 3 {
		t.Errorf("found %+v %v after %d polls", d, ok, polls)
	}
}

func TestMountBootIsReadOnly(t *testing.T) {
	m := &fakeMounter{}
	target := filepath.Join(t.TempDir(), "boot")
	if err := MountBootReadOnly(m, "/dev/mmcblk0p1", target); err != nil {
		t.Fatal(err)
	}
	if len(m.mounts) != 1 {
		t.Fatalf("mounts = %+v", m.mounts)
	}
	got := m.mounts[0]
	if got.Flags&MountReadOnly == 0 || got.Flags != MountReadOnly|MountNoSUID|MountNoDev|MountNoExec || got.FSType != "vfat" || got.Source != "/dev/mmcblk0p1" {
		t.Errorf("mount = %+v", got)
	}
	if err := mountChecked(m, "/dev/x", target, MountNoSUID); !errors.Is(err, ErrNotReadOnly) || len(m.mounts) != 1 {
		t.Errorf("read-write mount not refused: %v", err)
	}
}
