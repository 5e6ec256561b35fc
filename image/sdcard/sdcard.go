// Package sdcard builds the CalendarBot SD card image: an MBR partition
// table with one bootable FAT32 (LBA, type 0x0c) partition that starts at
// sector 2048 (1 MiB) and holds a flat set of files (Pi firmware, kernel,
// initramfs, device tree, config.txt, cmdline.txt, calendarbot.toml and a
// MANIFEST.txt listing the SHA-256 of every other file).
//
// The image is built as an ordinary (sparse) file with go-diskfs: no root,
// no loop devices. Output is reproducible: the same files and Options give a
// byte-identical image. The card is only ever read by the appliance.
package sdcard

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/partition/mbr"
)

const (
	// SectorSize is the logical sector size of the image.
	SectorSize = 512
	// PartitionStart is the first sector of the FAT32 partition (1 MiB).
	PartitionStart = 2048
	// MiB is 1024*1024 bytes.
	MiB = 1 << 20
	// DefaultSize is the default total image size (256 MiB: a power of two,
	// which QEMU requires for SD card images).
	DefaultSize = 256 * MiB
	// MinSize is the smallest image accepted: its 127 MiB partition has far
	// more than the 65,525 clusters FAT32 needs.
	MinSize = 128 * MiB
	// MaxSize is the largest image accepted (MBR sector numbers are 32 bits).
	MaxSize = 1 << 41
	// DefaultLabel is the default FAT volume label.
	DefaultLabel = "CALBOOT"
	// DefaultDiskID is the default MBR disk identifier. The partition's
	// PARTUUID is PartUUID(DefaultDiskID) = "ca1eb077-01"; the FAT volume
	// serial number (UUID in blkid, /dev/disk/by-uuid) is CA1E-B077.
	DefaultDiskID uint32 = 0xCA1EB077
	// ManifestName is the manifest Build writes onto the partition.
	ManifestName = "MANIFEST.txt"
	// ManifestSuffix is appended to the image path for the manifest Build
	// writes next to the image.
	ManifestSuffix = ".manifest"
	// fatEpoch is the earliest time a FAT directory entry can hold
	// (1980-01-01 00:00:00); the default timestamp of every entry.
	fatEpoch = 315532800
	// maxFileSize is the largest file FAT32 can hold.
	maxFileSize = 1<<32 - 1
)

// File is one file for the root directory of the FAT partition. Exactly one
// of Data and Src gives the content; with neither, the file is empty.
type File struct {
	Name string // flat name, e.g. "config.txt": letters, digits, '.', '_', '-'
	Data []byte // content
	Src  string // path of a file on disk whose content to use
}

// Options control the image. The zero value gives the defaults.
type Options struct {
	// Size is the total image size in bytes: a power of two (QEMU requires
	// it) from MinSize to MaxSize. 0 means DefaultSize.
	Size int64
	// Label is the FAT volume label: 1 to 11 of A-Z, 0-9, '_', '-' (lower
	// case letters are upper-cased). "" means DefaultLabel.
	Label string
	// DiskID is the MBR disk identifier, which gives the partition a stable
	// PARTUUID ("%08x-01"). The FAT volume serial number is set to the same
	// value. 0 means DefaultDiskID.
	DiskID uint32
	// SourceDateEpoch is the time (Unix seconds, usually from
	// SOURCE_DATE_EPOCH) stored in every directory entry. 0 means
	// 1980-01-01 00:00:00, the FAT epoch. FAT can hold 1980 to 2107, in
	// steps of two seconds, without a time zone; the UTC time is stored.
	SourceDateEpoch int64
}

// ManifestEntry describes one file on the FAT partition.
type ManifestEntry struct {
	Name   string
	Size   int64
	SHA256 string // lower-case hex
}

// Manifest lists every file Build put on the partition (except MANIFEST.txt
// itself) and, when known, the image file.
type Manifest struct {
	Files       []ManifestEntry // sorted by name
	ImageName   string          // base name of the image file; "" in the manifest on the partition
	ImageSize   int64
	ImageSHA256 string
}

// PartUUID returns the PARTUUID Linux gives the boot partition of an image
// built with the given disk identifier (0 means DefaultDiskID).
func PartUUID(diskID uint32) string {
	if diskID == 0 {
		diskID = DefaultDiskID
	}
	return fmt.Sprintf("%08x-01", diskID)
}

// manifestHeader starts every manifest.
const manifestHeader = "# CalendarBot SD card: sha256  size  name of every file on the FAT partition\n"

// manifestImageHeader introduces the line describing the image file.
const manifestImageHeader = "# image file\n"

// WriteTo writes the manifest as text: a comment line, then one
// "sha256  size  name" line per file sorted by name, then, when the image
// hash is known, a "# image file" comment and the image's line.
func (m *Manifest) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString(manifestHeader)
	files := append([]ManifestEntry(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %d  %s\n", f.SHA256, f.Size, f.Name)
	}
	if m.ImageSHA256 != "" {
		b.WriteString(manifestImageHeader)
		fmt.Fprintf(&b, "%s  %d  %s\n", m.ImageSHA256, m.ImageSize, m.ImageName)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// ParseManifest reads what WriteTo wrote.
func ParseManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	image := false
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if line+"\n" == manifestImageHeader {
				image = true
			}
			continue
		}
		var e ManifestEntry
		parts := strings.SplitN(line, "  ", 3)
		if len(parts) == 3 {
			e.SHA256, e.Name = parts[0], parts[2]
			_, err = fmt.Sscan(parts[1], &e.Size)
		}
		if len(parts) != 3 || err != nil || len(e.SHA256) != 64 || e.Name == "" {
			return nil, fmt.Errorf("manifest line %d: want \"sha256  size  name\", got %q", i+1, line)
		}
		if image {
			m.ImageName, m.ImageSize, m.ImageSHA256 = e.Name, e.Size, e.SHA256
			continue
		}
		m.Files = append(m.Files, e)
	}
	return m, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Size == 0 {
		o.Size = DefaultSize
	}
	if o.Size < MinSize || o.Size > MaxSize || o.Size&(o.Size-1) != 0 {
		return o, fmt.Errorf("sdcard: image size %d must be a power of two from %d (128 MiB) to %d (2 TiB); QEMU only accepts SD card images whose size is a power of two", o.Size, int64(MinSize), int64(MaxSize))
	}
	if o.Label == "" {
		o.Label = DefaultLabel
	}
	o.Label = strings.ToUpper(o.Label)
	if len(o.Label) > 11 || strings.Trim(o.Label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return o, fmt.Errorf("sdcard: volume label %q must be 1 to 11 of A-Z, 0-9, '_' and '-'", o.Label)
	}
	if o.DiskID == 0 {
		o.DiskID = DefaultDiskID
	}
	if o.SourceDateEpoch == 0 {
		o.SourceDateEpoch = fatEpoch
	}
	if t := time.Unix(o.SourceDateEpoch, 0).UTC(); t.Year() < 1980 || t.Year() > 2107 {
		return o, fmt.Errorf("sdcard: SourceDateEpoch %d (%s) is outside what FAT can store (1980 to 2107)", o.SourceDateEpoch, t.Format(time.RFC3339))
	}
	return o, nil
}

// shortName returns the 8.3 name go-diskfs gives name (stem upper-cased with
// dots removed, extension upper-cased and cut to 3) as "STEM.EXT", and
// whether go-diskfs shortens the stem to 6 characters and a unique "~N" tail.
// Only for names validName accepts.
func shortName(name string) (key string, tail bool) {
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		stem, ext = name[:i], name[i+1:]
	}
	stem = strings.ToUpper(strings.ReplaceAll(stem, ".", ""))
	ext = strings.ToUpper(ext)
	if len(ext) > 3 {
		ext = ext[:3]
	}
	if len(stem) > 8 {
		return "", true
	}
	return stem + "." + ext, false
}

var dosDevices = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true}

func init() {
	for i := '1'; i <= '9'; i++ {
		dosDevices["COM"+string(i)] = true
		dosDevices["LPT"+string(i)] = true
	}
}

// validName checks that name can be a file in the root directory: go-diskfs
// writes VFAT long names, but only reliably for a conservative character
// set, and some short names would collide or be unusable on other systems.
func validName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("file name %q must have 1 to 255 characters", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("file name %q: only letters, digits, '.', '_' and '-' are allowed (files are flat in the root directory, no '/')", name)
		}
	}
	if name[0] == '.' || name[len(name)-1] == '.' {
		return fmt.Errorf("file name %q must not start or end with '.'", name)
	}
	if dosDevices[strings.ToUpper(strings.SplitN(name, ".", 2)[0])] {
		return fmt.Errorf("file name %q is a reserved DOS device name", name)
	}
	return nil
}

type item struct {
	name string
	data []byte
	sum  string
}

// load validates the files and reads their content.
func load(files []File, label string) ([]item, error) {
	items := make([]item, 0, len(files))
	lower := map[string]string{strings.ToLower(ManifestName): ManifestName}
	// The volume label is an entry in the root directory too; go-diskfs
	// matches names against it, so no file may have its short name.
	labelKey := strings.TrimRight(label[:min(8, len(label))], " ") + "."
	if len(label) > 8 {
		labelKey += strings.TrimRight(label[8:], " ")
	}
	short := map[string]string{labelKey: "the volume label " + label}
	for _, f := range files {
		if err := validName(f.Name); err != nil {
			return nil, fmt.Errorf("sdcard: %w", err)
		}
		if prev, ok := lower[strings.ToLower(f.Name)]; ok {
			return nil, fmt.Errorf("sdcard: file name %q is used twice (FAT names ignore case: %q)", f.Name, prev)
		}
		lower[strings.ToLower(f.Name)] = f.Name
		if key, tail := shortName(f.Name); !tail {
			if prev, ok := short[key]; ok {
				return nil, fmt.Errorf("sdcard: file name %q has the same FAT short name %s as %s; rename one", f.Name, strings.TrimSuffix(key, "."), prev)
			}
			short[key] = fmt.Sprintf("%q", f.Name)
		}
		data := f.Data
		if f.Src != "" {
			if f.Data != nil {
				return nil, fmt.Errorf("sdcard: file %q has both Data and Src", f.Name)
			}
			var err error
			if data, err = os.ReadFile(f.Src); err != nil {
				return nil, fmt.Errorf("sdcard: file %q: %w", f.Name, err)
			}
		}
		if len(data) > maxFileSize {
			return nil, fmt.Errorf("sdcard: file %q has %d bytes; FAT32 files can have at most %d", f.Name, len(data), int64(maxFileSize))
		}
		sum := sha256.Sum256(data)
		items = append(items, item{name: f.Name, data: data, sum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	return items, nil
}

// chs converts a sector number to the 3 CHS bytes of an MBR entry (head,
// sector | cylinder bits 8-9, cylinder bits 0-7), with the usual 255 heads
// and 63 sectors per track, or the "beyond CHS" marker.
func chs(lba uint32) (head, sector, cyl byte) {
	const heads, sectors = 255, 63
	c := lba / (heads * sectors)
	if c > 1023 {
		return 0xfe, 0xff, 0xff
	}
	r := lba % (heads * sectors)
	return byte(r / sectors), byte(r%sectors+1) | byte(c>>8)<<6, byte(c)
}

// Build writes an image to out (replacing it), and its manifest to
// out+ManifestSuffix, and returns the manifest. The files go into the root
// directory sorted by name, followed by MANIFEST.txt (the same manifest
// without the image line). The result is checked by reading every file back.
func Build(out string, files []File, o Options) (*Manifest, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	items, err := load(files, o.Label)
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	for _, it := range items {
		m.Files = append(m.Files, ManifestEntry{Name: it.name, Size: int64(len(it.data)), SHA256: it.sum})
	}
	var mb bytes.Buffer
	if _, err := m.WriteTo(&mb); err != nil {
		return nil, err
	}
	items = append(items, item{name: ManifestName, data: mb.Bytes()})

	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Truncate(o.Size); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	if err := write(tmp, items, o); err != nil {
		return nil, fmt.Errorf("sdcard: %s: %w", out, err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	if st, err := tmp.Stat(); err != nil || st.Size() != o.Size {
		return nil, fmt.Errorf("sdcard: image size changed while writing (%v, %v)", st.Size(), err)
	}
	if err := verify(tmp.Name(), items); err != nil {
		return nil, fmt.Errorf("sdcard: checking the new image: %w", err)
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(tmp, 0, o.Size), make([]byte, 4*MiB)); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	m.ImageName, m.ImageSize, m.ImageSHA256 = filepath.Base(out), o.Size, hex.EncodeToString(h.Sum(nil))
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	var text bytes.Buffer
	if _, err := m.WriteTo(&text); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(out+ManifestSuffix, text.Bytes()); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, fmt.Errorf("sdcard: %w", err)
	}
	return m, nil
}

func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// write lays out the partition table and file system on f (already o.Size
// bytes long).
func write(f *os.File, items []item, o Options) error {
	d, err := diskfs.OpenBackend(file.New(f, false), diskfs.WithSectorSize(diskfs.SectorSize512))
	if err != nil {
		return err
	}
	partSectors := uint32(o.Size/SectorSize - PartitionStart)
	p := &mbr.Partition{
		Index:    1, // go-diskfs finds the partition by Index; without it CreateFilesystem fails
		Bootable: true,
		Type:     mbr.Fat32LBA,
		Start:    PartitionStart,
		Size:     partSectors,
	}
	p.StartHead, p.StartSector, p.StartCylinder = chs(PartitionStart)
	p.EndHead, p.EndSector, p.EndCylinder = chs(PartitionStart + partSectors - 1)
	table := &mbr.Table{LogicalSectorSize: SectorSize, PhysicalSectorSize: SectorSize, Partitions: []*mbr.Partition{p}}
	if err := d.Partition(table); err != nil {
		return err
	}
	// go-diskfs writes only the partition entries and signature; the disk
	// identifier (offset 440) gives the partition its PARTUUID.
	var id [6]byte // identifier + 2 zero bytes ("not copy-protected")
	binary.LittleEndian.PutUint32(id[:4], o.DiskID)
	if _, err := f.WriteAt(id[:], 440); err != nil {
		return err
	}

	// Reproducible: volume serial number 0 (set below) instead of the clock.
	fsys, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: 1, FSType: filesystem.TypeFat32, VolumeLabel: o.Label, Reproducible: true})
	if err != nil {
		return fmt.Errorf("creating FAT32: %w", err)
	}
	fs, ok := fsys.(*fat32.FileSystem)
	if !ok {
		return fmt.Errorf("go-diskfs returned %T, not a FAT32 file system", fsys)
	}
	partStart := int64(PartitionStart) * SectorSize
	partSize := int64(partSectors) * SectorSize
	rootDir := partStart + int64(fs.DataStart()) // cluster 2, the root directory

	// go-diskfs would hand out clusters past the end of the data area (its
	// FAT has more entries than there are clusters), so check the fit first.
	bpc := int64(fs.BytesPerCluster())
	clusters := (partSize - int64(fs.DataStart())) / bpc
	if clusters < 65525 {
		return fmt.Errorf("partition has %d clusters of %d bytes, FAT32 needs at least 65525", clusters, bpc)
	}
	need, dirBytes := int64(0), int64(32) // volume label entry
	var total int64
	for _, it := range items {
		need += max(1, (int64(len(it.data))+bpc-1)/bpc) // go-diskfs gives empty files a cluster too
		dirBytes += 32 * (1 + (int64(len(it.name))+12)/13)
		total += int64(len(it.data))
	}
	need += (dirBytes + bpc - 1) / bpc
	if need > clusters {
		return fmt.Errorf("the %d files and %s (%d bytes; %d clusters of %d bytes with the directory) do not fit into the %d MiB partition (%d clusters); use a larger Options.Size",
			len(items)-1, ManifestName, total, need, bpc, partSize/MiB, clusters)
	}

	ts := time.Unix(o.SourceDateEpoch, 0).UTC()
	// The label entry got the current time (or $SOURCE_DATE_EPOCH): set it.
	if err := setEntryTimes(f, rootDir, o.Label, ts); err != nil {
		return err
	}
	for _, it := range items {
		fl, err := fs.OpenFile("/"+it.name, os.O_CREATE|os.O_RDWR)
		if err != nil {
			return fmt.Errorf("creating %s: %w", it.name, err)
		}
		// One Write per file: go-diskfs rewrites both FATs on every Write.
		if len(it.data) > 0 {
			if n, err := fl.Write(it.data); err != nil || n != len(it.data) {
				return fmt.Errorf("writing %s: wrote %d of %d bytes: %v", it.name, n, len(it.data), err)
			}
		}
		if err := fl.Close(); err != nil {
			return err
		}
		if err := fs.Chtimes("/"+it.name, ts, ts, ts); err != nil {
			return fmt.Errorf("setting times of %s: %w", it.name, err)
		}
	}
	if err := patchBootSector(f, partStart, o.DiskID); err != nil {
		return err
	}
	return finishFAT(f, partStart)
}

// finishFAT fixes what go-diskfs leaves for fsck.vfat to complain about:
// empty files own a cluster (FAT wants start cluster 0), and the FSInfo
// sector says "free cluster count unknown". It also checks that no cluster
// past the data area was allocated.
func finishFAT(f *os.File, partStart int64) error {
	var bs [SectorSize]byte
	if _, err := f.ReadAt(bs[:], partStart); err != nil {
		return err
	}
	le16 := func(b []byte) int64 { return int64(binary.LittleEndian.Uint16(b)) }
	le32 := func(b []byte) int64 { return int64(binary.LittleEndian.Uint32(b)) }
	bps, spc, reserved, nfats := le16(bs[11:]), int64(bs[13]), le16(bs[14:]), int64(bs[16])
	total, spf, rootClus, fsInfo := le32(bs[32:]), le32(bs[36:]), uint32(le32(bs[44:])), le16(bs[48:])
	if bps != SectorSize || spc == 0 || nfats != 2 {
		return fmt.Errorf("unexpected FAT32 boot sector: %d bytes per sector, %d sectors per cluster, %d FATs", bps, spc, nfats)
	}
	fatOff := partStart + reserved*bps
	fat := make([]byte, spf*bps)
	if _, err := f.ReadAt(fat, fatOff); err != nil {
		return err
	}
	clusters := uint32((total - reserved - nfats*spf) / spc)
	last := clusters + 1 // highest valid cluster number
	if maxEntry := uint32(len(fat) / 4); last >= maxEntry {
		return fmt.Errorf("FAT has %d entries for %d clusters", maxEntry, clusters)
	}
	get := func(c uint32) uint32 { return binary.LittleEndian.Uint32(fat[4*c:]) & 0x0fffffff }
	set := func(c, v uint32) { binary.LittleEndian.PutUint32(fat[4*c:], v) }
	chain := func(c uint32) ([]uint32, error) {
		var out []uint32
		for c >= 2 && c <= last {
			out = append(out, c)
			if len(out) > int(clusters) {
				return nil, fmt.Errorf("cluster chain loops")
			}
			c = get(c)
		}
		if c < 0x0ffffff8 {
			return nil, fmt.Errorf("cluster chain ends in %#x", c)
		}
		return out, nil
	}
	for c := last + 1; c < uint32(len(fat)/4); c++ {
		if get(c) != 0 {
			return fmt.Errorf("go-diskfs allocated cluster %d beyond the last one (%d)", c, last)
		}
	}

	// Root directory: give empty files start cluster 0 and free their cluster.
	dirClusters, err := chain(rootClus)
	if err != nil {
		return fmt.Errorf("root directory: %w", err)
	}
	cb := spc * bps
	dataOff := partStart + (reserved+nfats*spf)*bps
	dir := make([]byte, int64(len(dirClusters))*cb)
	for i, c := range dirClusters {
		if _, err := f.ReadAt(dir[int64(i)*cb:int64(i+1)*cb], dataOff+int64(c-2)*cb); err != nil {
			return err
		}
	}
	dirty := false
	for i := 0; i+32 <= len(dir) && dir[i] != 0; i += 32 {
		e := dir[i : i+32]
		if e[0] == 0xe5 || e[11] == 0x0f || e[11]&0x18 != 0 || le32(e[28:]) != 0 {
			continue // deleted, long name part, label or directory, not empty
		}
		start := uint32(le16(e[20:]))<<16 | uint32(le16(e[26:]))
		if start == 0 {
			continue
		}
		cs, err := chain(start)
		if err != nil {
			return fmt.Errorf("empty file %q: %w", e[:11], err)
		}
		for _, c := range cs {
			set(c, 0)
		}
		binary.LittleEndian.PutUint16(e[20:], 0)
		binary.LittleEndian.PutUint16(e[26:], 0)
		dirty = true
	}
	if dirty {
		for i, c := range dirClusters {
			if _, err := f.WriteAt(dir[int64(i)*cb:int64(i+1)*cb], dataOff+int64(c-2)*cb); err != nil {
				return err
			}
		}
		for i := int64(0); i < nfats; i++ {
			if _, err := f.WriteAt(fat, fatOff+i*spf*bps); err != nil {
				return err
			}
		}
	}

	free, next := uint32(0), uint32(0xffffffff)
	for c := uint32(2); c <= last; c++ {
		if get(c) == 0 {
			free++
			if next == 0xffffffff {
				next = c
			}
		}
	}
	for _, sector := range []int64{fsInfo, fsInfo + 6} { // FSInfo and its backup
		var fi [SectorSize]byte
		off := partStart + sector*bps
		if _, err := f.ReadAt(fi[:], off); err != nil {
			return err
		}
		if le32(fi[0:]) != 0x41615252 || le32(fi[484:]) != 0x61417272 {
			return fmt.Errorf("no FSInfo sector at partition sector %d", sector)
		}
		binary.LittleEndian.PutUint32(fi[488:], free)
		binary.LittleEndian.PutUint32(fi[492:], next)
		if _, err := f.WriteAt(fi[:], off); err != nil {
			return err
		}
	}
	return nil
}

// fatTime encodes t as FAT date and time.
func fatTime(t time.Time) (date, tm uint16) {
	return uint16((t.Year()-1980)<<9 | int(t.Month())<<5 | t.Day()), uint16(t.Hour()<<11 | t.Minute()<<5 | t.Second()/2)
}

// setEntryTimes sets the times of the volume label entry, the first entry
// of the freshly created root directory at off.
func setEntryTimes(f *os.File, off int64, label string, t time.Time) error {
	var e [32]byte
	if _, err := f.ReadAt(e[:], off); err != nil {
		return err
	}
	if want := fmt.Sprintf("%-11.11s", label); string(e[:11]) != want || e[11]&0x08 == 0 {
		return fmt.Errorf("unexpected first root directory entry %q (attributes %#x), want the volume label %q", e[:11], e[11], want)
	}
	date, tm := fatTime(t)
	e[13] = 0 // creation time, 10 ms units
	binary.LittleEndian.PutUint16(e[14:], tm)
	binary.LittleEndian.PutUint16(e[16:], date)
	binary.LittleEndian.PutUint16(e[18:], date)
	binary.LittleEndian.PutUint16(e[22:], tm)
	binary.LittleEndian.PutUint16(e[24:], date)
	_, err := f.WriteAt(e[:], off)
	return err
}

// patchBootSector completes the boot sector and its backup (sector 6) where
// go-diskfs leaves values that are wrong for a partition: the hidden
// sectors (sectors before the partition), the geometry, and the volume
// serial number (0 with Reproducible), which is set to the disk identifier.
func patchBootSector(f *os.File, partStart int64, diskID uint32) error {
	for _, sector := range []int64{0, 6} {
		var bs [SectorSize]byte
		off := partStart + sector*SectorSize
		if _, err := f.ReadAt(bs[:], off); err != nil {
			return err
		}
		if bs[510] != 0x55 || bs[511] != 0xaa || string(bs[82:90]) != "FAT32   " {
			return fmt.Errorf("no FAT32 boot sector at partition sector %d", sector)
		}
		binary.LittleEndian.PutUint16(bs[24:], 63)  // sectors per track
		binary.LittleEndian.PutUint16(bs[26:], 255) // heads
		binary.LittleEndian.PutUint32(bs[28:], PartitionStart)
		binary.LittleEndian.PutUint32(bs[67:], diskID)
		if _, err := f.WriteAt(bs[:], off); err != nil {
			return err
		}
	}
	return nil
}

// verify reads the image back and compares every file with items.
func verify(img string, items []item) error {
	got, err := Read(img)
	if err != nil {
		return err
	}
	if len(got) != len(items) {
		return fmt.Errorf("found %d files, wrote %d", len(got), len(items))
	}
	for _, it := range items {
		data, ok := got[it.name]
		if !ok {
			return fmt.Errorf("%s is missing", it.name)
		}
		if !bytes.Equal(data, it.data) {
			return fmt.Errorf("%s reads back different (%d bytes, wrote %d)", it.name, len(data), len(it.data))
		}
	}
	return nil
}

// openFAT opens the image read-only and returns its FAT32 partition.
func openFAT(img string) (*disk.Disk, filesystem.FileSystem, error) {
	d, err := diskfs.Open(img, diskfs.WithOpenMode(diskfs.ReadOnly), diskfs.WithSectorSize(diskfs.SectorSize512))
	if err != nil {
		return nil, nil, err
	}
	t, ok := d.Table.(*mbr.Table)
	if !ok {
		d.Close()
		return nil, nil, fmt.Errorf("%s has no MBR partition table", img)
	}
	if len(t.Partitions) == 0 || t.Partitions[0].Type != mbr.Fat32LBA {
		d.Close()
		return nil, nil, fmt.Errorf("%s: partition 1 is not FAT32 (LBA, type 0x0c)", img)
	}
	fsys, err := d.GetFilesystem(1)
	if err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("%s: partition 1: %w", img, err)
	}
	if fsys.Type() != filesystem.TypeFat32 {
		d.Close()
		return nil, nil, fmt.Errorf("%s: partition 1 is not FAT32", img)
	}
	return d, fsys, nil
}

// Read returns every file on the image's FAT partition by name (files in
// subdirectories as "dir/name"), read with go-diskfs.
func Read(img string) (map[string][]byte, error) {
	d, fsys, err := openFAT(img)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	files := map[string][]byte{}
	if err := readDir(fsys, ".", files); err != nil {
		return nil, fmt.Errorf("%s: %w", img, err)
	}
	return files, nil
}

// readDir reads directory dir ("." or "a/b": go-diskfs ReadDir rejects
// a leading "/") into files.
func readDir(fsys filesystem.FileSystem, dir string, files map[string][]byte) error {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if e.IsDir() {
			if err := readDir(fsys, p, files); err != nil {
				return err
			}
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		data := make([]byte, info.Size())
		if len(data) > 0 { // go-diskfs cannot open files without clusters
			fl, err := fsys.OpenFile("/"+p, os.O_RDONLY)
			if err != nil {
				return err
			}
			// One Read: go-diskfs walks the whole cluster chain on every call.
			n, err := fl.Read(data)
			fl.Close()
			if n != len(data) || err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("reading %s: got %d of %d bytes: %v", p, n, len(data), err)
			}
		}
		files[p] = data
	}
	return nil
}

// Verify checks a card or image against the MANIFEST.txt on its FAT
// partition: every listed file must be there with the listed size and
// SHA-256, and no other file may be there. Files named in editable (such as
// calendarbot.toml, which the user edits) must be there but may differ.
// It returns the manifest.
func Verify(img string, editable ...string) (*Manifest, error) {
	files, err := Read(img)
	if err != nil {
		return nil, err
	}
	text, ok := files[ManifestName]
	if !ok {
		return nil, fmt.Errorf("%s: no %s on the FAT partition", img, ManifestName)
	}
	m, err := ParseManifest(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", img, ManifestName, err)
	}
	var problems []string
	listed := map[string]bool{ManifestName: true}
	for _, e := range m.Files {
		listed[e.Name] = true
		data, ok := files[e.Name]
		if !ok {
			problems = append(problems, e.Name+" is missing")
			continue
		}
		sum := sha256.Sum256(data)
		if slices.Contains(editable, e.Name) {
			continue
		}
		if int64(len(data)) != e.Size || hex.EncodeToString(sum[:]) != e.SHA256 {
			problems = append(problems, fmt.Sprintf("%s differs (%d bytes, sha256 %x; manifest: %d bytes, %s)", e.Name, len(data), sum, e.Size, e.SHA256))
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !listed[name] {
			problems = append(problems, name+" is not in the manifest")
		}
	}
	if len(problems) > 0 {
		return m, fmt.Errorf("%s does not match its %s: %s", img, ManifestName, strings.Join(problems, "; "))
	}
	return m, nil
}
