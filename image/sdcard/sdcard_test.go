package sdcard

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/mbr"
)

const testEpoch = 1764374400 // 2025-11-29 00:00:00 UTC

// longName has 5 VFAT long-name slots.
const longName = "a-rather-long-file-name-that-needs-several-vfat-slots_0123456789.bin"

// fakeFiles returns small stand-ins for the real boot files, plus a file
// given by Src, an empty one and a long name: enough directory entries for
// a root directory of several clusters.
func fakeFiles(t testing.TB) (files []File, want map[string][]byte) {
	t.Helper()
	rng := rand.New(rand.NewChaCha8([32]byte{'s', 'd'}))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	want = map[string][]byte{
		"bootcode.bin":             random(52 << 10),
		"start_cd.elf":             random(800<<10 + 3),
		"fixup_cd.dat":             random(3 << 10),
		"bcm2837-rpi-zero-2-w.dtb": random(31<<10 + 1),
		"config.txt":               []byte("arm_64bit=1\nkernel=vmlinuz\n"),
		"cmdline.txt":              []byte("console=ttyS1,115200 panic=10\n"),
		"calendarbot.toml":         []byte("tz = \"UTC\"\n"),
		"initrd.img":               random(2<<20 + 511),
		"ssh":                      {},
		longName:                   []byte("long\n"),
	}
	for name, data := range want {
		files = append(files, File{Name: name, Data: data})
	}
	// The kernel comes from disk, as in the real build (32 MiB like Debian's).
	kernel := random(32 << 20)
	src := filepath.Join(t.TempDir(), "vmlinuz-6.1.0-57-arm64")
	if err := os.WriteFile(src, kernel, 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, File{Name: "vmlinuz", Src: src})
	want["vmlinuz"] = kernel
	return files, want
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fileSum(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sum(b)
}

// needTools skips (or, under CI=true, fails) when a command is missing.
func needTools(t *testing.T, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			msg := fmt.Sprintf("%s not found: install mtools and dosfstools (apt-get install -y mtools dosfstools) to check the image with them", c)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// build builds the fake files into a default-size image once per test binary.
var built struct {
	img  string
	m    *Manifest
	want map[string][]byte
	took time.Duration
}

func defaultImage(t *testing.T) (string, *Manifest, map[string][]byte) {
	t.Helper()
	if built.img == "" {
		dir, err := os.MkdirTemp("", "sdcard-test-")
		if err != nil {
			t.Fatal(err)
		}
		// Not t.TempDir: several tests share the image.
		files, want := fakeFiles(t)
		img := filepath.Join(dir, "calendarbot.img")
		start := time.Now()
		m, err := Build(img, files, Options{SourceDateEpoch: testEpoch})
		if err != nil {
			t.Fatal(err)
		}
		built.img, built.m, built.want, built.took = img, m, want, time.Since(start)
	}
	return built.img, built.m, built.want
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.img != "" {
		os.RemoveAll(filepath.Dir(built.img))
	}
	os.Exit(code)
}

func TestBuildLayout(t *testing.T) {
	img, m, want := defaultImage(t)
	var total int
	for _, data := range want {
		total += len(data)
	}
	t.Logf("built a %d MiB image with %d files (%.1f MiB) in %v", DefaultSize/MiB, len(want), float64(total)/MiB, built.took.Round(time.Millisecond))

	st, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	if size := st.Size(); size != DefaultSize || size&(size-1) != 0 {
		t.Fatalf("image size %d, want %d (a power of two)", size, DefaultSize)
	}

	raw, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if id := binary.LittleEndian.Uint32(raw[440:]); id != DefaultDiskID {
		t.Errorf("MBR disk identifier %#x, want %#x", id, DefaultDiskID)
	}
	if raw[510] != 0x55 || raw[511] != 0xaa {
		t.Errorf("no MBR signature")
	}

	d, err := diskfs.Open(img, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	table, ok := d.Table.(*mbr.Table)
	if !ok {
		t.Fatalf("partition table is %T, want MBR", d.Table)
	}
	if table.UUID() != "ca1eb077" {
		t.Errorf("disk UUID %q, want ca1eb077", table.UUID())
	}
	var used []*mbr.Partition
	for _, p := range table.Partitions {
		if p.Type != mbr.Empty {
			used = append(used, p)
		}
	}
	if len(used) != 1 {
		t.Fatalf("%d partitions, want 1", len(used))
	}
	p := used[0]
	wantSectors := uint32(DefaultSize/SectorSize - PartitionStart)
	if p.Index != 1 || p.Type != mbr.Fat32LBA || !p.Bootable || p.Start != PartitionStart || p.Size != wantSectors {
		t.Errorf("partition %+v, want index 1, type 0x0c, bootable, start %d, %d sectors", p, PartitionStart, wantSectors)
	}
	if p.UUID() != PartUUID(0) || PartUUID(0) != "ca1eb077-01" {
		t.Errorf("PARTUUID %q (PartUUID %q), want ca1eb077-01", p.UUID(), PartUUID(0))
	}
	fsys, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatal(err)
	}
	if fsys.Type() != filesystem.TypeFat32 {
		t.Errorf("file system type %v, want FAT32", fsys.Type())
	}
	if l := strings.TrimSpace(fsys.Label()); l != DefaultLabel {
		t.Errorf("label %q, want %q", l, DefaultLabel)
	}
	// Boot sector: hidden sectors and volume serial number.
	bs := raw[PartitionStart*SectorSize:]
	if h := binary.LittleEndian.Uint32(bs[28:]); h != PartitionStart {
		t.Errorf("hidden sectors %d, want %d", h, PartitionStart)
	}
	if v := binary.LittleEndian.Uint32(bs[67:]); v != DefaultDiskID {
		t.Errorf("volume serial %#x, want %#x", v, DefaultDiskID)
	}
	if !bytes.Equal(bs[:SectorSize], bs[6*SectorSize:7*SectorSize]) {
		t.Errorf("backup boot sector differs from the boot sector")
	}

	// Every file reads back byte-identical with go-diskfs.
	got, err := Read(img)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s missing", name)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s: read %d bytes (sha256 %s), wrote %d (%s)", name, len(g), sum(g), len(data), sum(data))
		}
	}
	if len(got) != len(want)+1 {
		t.Errorf("read %d files, want %d and %s", len(got), len(want), ManifestName)
	}

	// The manifest: returned, on the partition, next to the image.
	if len(m.Files) != len(want) {
		t.Errorf("manifest has %d files, want %d", len(m.Files), len(want))
	}
	for i, e := range m.Files {
		if i > 0 && m.Files[i-1].Name >= e.Name {
			t.Errorf("manifest not sorted: %s before %s", m.Files[i-1].Name, e.Name)
		}
		if data := want[e.Name]; e.Size != int64(len(data)) || e.SHA256 != sum(data) {
			t.Errorf("manifest entry %+v, want size %d sha256 %s", e, len(data), sum(data))
		}
	}
	if m.ImageName != "calendarbot.img" || m.ImageSize != DefaultSize || m.ImageSHA256 != sum(raw) {
		t.Errorf("manifest image %s %d %s, want calendarbot.img %d %s", m.ImageName, m.ImageSize, m.ImageSHA256, DefaultSize, sum(raw))
	}
	onCard, err := ParseManifest(bytes.NewReader(got[ManifestName]))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(onCard.Files, m.Files) || onCard.ImageSHA256 != "" {
		t.Errorf("%s on the card:\n%s\nwant the files of\n%+v", ManifestName, got[ManifestName], m)
	}
	var text bytes.Buffer
	if _, err := m.WriteTo(&text); err != nil {
		t.Fatal(err)
	}
	next, err := os.ReadFile(img + ManifestSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(next, text.Bytes()) {
		t.Errorf("%s:\n%s\nwant\n%s", img+ManifestSuffix, next, text.Bytes())
	}
	if !strings.Contains(text.String(), fmt.Sprintf("%s  %d  vmlinuz\n", sum(want["vmlinuz"]), len(want["vmlinuz"]))) {
		t.Errorf("manifest text has no line \"sha256  size  vmlinuz\":\n%s", text.Bytes())
	}
	back, err := ParseManifest(&text)
	if err != nil || !slices.Equal(back.Files, m.Files) || back.ImageName != m.ImageName || back.ImageSize != m.ImageSize || back.ImageSHA256 != m.ImageSHA256 {
		t.Errorf("ParseManifest(WriteTo) = %+v, %v; want %+v", back, err, m)
	}
	if _, err := Verify(img); err != nil {
		t.Errorf("Verify: %v", err)
	}

	// No temporary files left next to the image.
	entries, _ := os.ReadDir(filepath.Dir(img))
	for _, e := range entries {
		if e.Name() != "calendarbot.img" && e.Name() != "calendarbot.img"+ManifestSuffix {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestMtools(t *testing.T) {
	needTools(t, "mdir", "mcopy")
	img, _, want := defaultImage(t)
	at := img + "@@1M"
	dir := string(run(t, "mdir", "-i", at, "::"))
	if !strings.Contains(dir, "Volume in drive : is CALBOOT") || !strings.Contains(dir, "Serial Number is CA1E-B077") {
		t.Errorf("mdir: want label CALBOOT and serial CA1E-B077:\n%s", dir)
	}
	// Long names as mdir shows them, one per line (-b: bare).
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(run(t, "mdir", "-b", "-i", at, "::")))
	for sc.Scan() {
		names = append(names, strings.TrimPrefix(sc.Text(), "::/"))
	}
	slices.Sort(names)
	var wantNames []string
	for name := range want {
		wantNames = append(wantNames, name)
	}
	wantNames = append(wantNames, ManifestName)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("mdir -b:\n%q\nwant\n%q", names, wantNames)
	}
	for name, data := range want {
		got := run(t, "mcopy", "-n", "-i", at, "::"+name, "-")
		if !bytes.Equal(got, data) {
			t.Errorf("mcopy %s: %d bytes (sha256 %s), want %d (%s)", name, len(got), sum(got), len(data), sum(data))
		}
	}
	if got := string(run(t, "mcopy", "-i", at, "::config.txt", "-")); got != string(want["config.txt"]) {
		t.Errorf("mcopy ::config.txt: %q", got)
	}
}

func TestFsck(t *testing.T) {
	needTools(t, "fsck.vfat", "dd")
	img, _, _ := defaultImage(t)
	part := filepath.Join(t.TempDir(), "part.img")
	run(t, "dd", "if="+img, "of="+part, "bs=1M", "skip=1", "conv=sparse", "status=none")
	cmd := exec.Command("fsck.vfat", "-n", "-v", part)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fsck.vfat -n: %v\n%s", err, out)
	}
	for _, bad := range []string{"should be", "Truncating", "differ", "Reclaim", "Free cluster summary"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("fsck.vfat reports %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(string(out), "2048 hidden sectors") {
		t.Errorf("fsck.vfat: want 2048 hidden sectors:\n%s", out)
	}
	t.Logf("%s", out)
}

func TestReproducible(t *testing.T) {
	img, _, _ := defaultImage(t)
	files, _ := fakeFiles(t)
	// Another name, directory, clock, and a SOURCE_DATE_EPOCH in the
	// environment (go-diskfs reads it) that the Options override.
	slices.Reverse(files)
	t.Setenv("SOURCE_DATE_EPOCH", "1500000000")
	t.Setenv("TZ", "America/New_York")
	other := filepath.Join(t.TempDir(), "second.img")
	m, err := Build(other, files, Options{SourceDateEpoch: testEpoch})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fileSum(t, img), fileSum(t, other); a != b || m.ImageSHA256 != a {
		t.Fatalf("two builds differ: %s and %s (manifest %s)", a, b, m.ImageSHA256)
	}
	if !bytes.Equal(mustRead(t, img+ManifestSuffix), bytes.Replace(mustRead(t, other+ManifestSuffix), []byte("second.img"), []byte("calendarbot.img"), 1)) {
		t.Errorf("manifests differ beyond the image name")
	}

	// Another time or disk identifier gives another image.
	third := filepath.Join(t.TempDir(), "third.img")
	if _, err := Build(third, files[:3], Options{SourceDateEpoch: testEpoch + 2, DiskID: 0x12345678, Size: MinSize}); err != nil {
		t.Fatal(err)
	}
	d, err := diskfs.Open(third, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if u := d.Table.GetPartitions()[0].UUID(); u != "12345678-01" || PartUUID(0x12345678) != u {
		t.Errorf("PARTUUID %s, want 12345678-01", u)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSmallestImageFsck(t *testing.T) {
	img := filepath.Join(t.TempDir(), "small.img")
	files := []File{{Name: "config.txt", Data: []byte("x\n")}}
	if _, err := Build(img, files, Options{Size: MinSize, Label: "boot"}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(img)
	if err != nil || string(got["config.txt"]) != "x\n" {
		t.Fatalf("Read: %q, %v", got, err)
	}
	needTools(t, "fsck.vfat", "dd", "mdir")
	if out := string(run(t, "mdir", "-i", img+"@@1M", "::")); !strings.Contains(out, "is BOOT") || !strings.Contains(out, "1980-01-01") {
		t.Errorf("mdir: want label BOOT and date 1980-01-01 (default time):\n%s", out)
	}
	part := filepath.Join(t.TempDir(), "part.img")
	run(t, "dd", "if="+img, "of="+part, "bs=1M", "skip=1", "conv=sparse", "status=none")
	if out, err := exec.Command("fsck.vfat", "-n", part).CombinedOutput(); err != nil {
		t.Fatalf("fsck.vfat -n: %v\n%s", err, out)
	}
}

func TestTooLarge(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "big.img")
	files := []File{
		{Name: "vmlinuz", Data: make([]byte, 100<<20)},
		{Name: "initrd.img", Data: make([]byte, 30<<20)},
	}
	_, err := Build(img, files, Options{Size: MinSize})
	if err == nil || !strings.Contains(err.Error(), "do not fit") || !strings.Contains(err.Error(), "Options.Size") {
		t.Fatalf("Build of 130 MiB into 128 MiB: %v, want a \"do not fit\" error", err)
	}
	t.Log(err)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed build left %d files behind", len(entries))
	}
	// The same files fit into the next size up.
	if _, err := Build(img, files, Options{Size: 256 * MiB}); err != nil {
		t.Errorf("256 MiB: %v", err)
	}
}

func TestOptionsRejected(t *testing.T) {
	files := []File{{Name: "config.txt", Data: []byte("x")}}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Size: 300 * MiB}, "power of two"},
		{Options{Size: 256*MiB + 512}, "power of two"},
		{Options{Size: 64 * MiB}, "power of two from"},
		{Options{Size: -1}, "power of two"},
		{Options{Label: "MUCH-TOO-LONG"}, "label"},
		{Options{Label: "BAD.LABEL"}, "label"},
		{Options{SourceDateEpoch: 100}, "1980 to 2107"},
	} {
		img := filepath.Join(t.TempDir(), "x.img")
		_, err := Build(img, files, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.o, err, tc.want)
		}
		if _, err := os.Stat(img); err == nil {
			t.Errorf("%+v: image written anyway", tc.o)
		}
	}
}

func TestNames(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		files []File
		want  string
	}{
		{[]File{{Name: ""}}, "1 to 255"},
		{[]File{{Name: strings.Repeat("x", 256)}}, "1 to 255"},
		{[]File{{Name: "overlays/x.dtbo"}}, "no '/'"},
		{[]File{{Name: "héllo.txt"}}, "only letters"},
		{[]File{{Name: "a b.txt"}}, "only letters"},
		{[]File{{Name: "a~1.txt"}}, "only letters"},
		{[]File{{Name: ".hidden"}}, "start or end"},
		{[]File{{Name: "name."}}, "start or end"},
		{[]File{{Name: "con.txt"}}, "reserved DOS device"},
		{[]File{{Name: "COM1"}}, "reserved DOS device"},
		{[]File{{Name: "config.txt"}, {Name: "CONFIG.TXT"}}, "used twice"},
		{[]File{{Name: "MANIFEST.TXT"}}, "used twice"},
		{[]File{{Name: "foo.toml"}, {Name: "foo.tomx"}}, "same FAT short name FOO.TOM"},
		{[]File{{Name: "a.b.c"}, {Name: "ab.c"}}, "same FAT short name AB.C"},
		{[]File{{Name: "calboot"}}, "volume label"},
		{[]File{{Name: "x", Data: []byte("a"), Src: src}}, "both Data and Src"},
		{[]File{{Name: "x", Src: src + ".missing"}}, "no such file"},
	} {
		_, err := Build(filepath.Join(t.TempDir(), "x.img"), tc.files, Options{Size: MinSize})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error with %q", tc.files[len(tc.files)-1].Name, err, tc.want)
		}
	}

	// Names that need long-name entries, and names whose 8.3 forms need
	// numeric tails, all read back under their own names.
	var files []File
	for i := 0; i < 12; i++ {
		files = append(files, File{Name: fmt.Sprintf("bcm2837-rpi-%02d.dtb", i), Data: []byte{byte(i)}})
	}
	files = append(files, File{Name: strings.Repeat("n", 255), Data: []byte("max")}, File{Name: "UPPER.TXT", Data: []byte("u")}, File{Name: "Mixed_Case-1.2.3.tar.gz", Data: []byte("m")})
	img := filepath.Join(t.TempDir(), "names.img")
	if _, err := Build(img, files, Options{Size: MinSize}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !bytes.Equal(got[f.Name], f.Data) {
			t.Errorf("%s: read %q, want %q", f.Name, got[f.Name], f.Data)
		}
	}
	if _, err := Verify(img); err != nil {
		t.Error(err)
	}
	needTools(t, "mdir", "dd", "fsck.vfat")
	out := string(run(t, "mdir", "-b", "-i", img+"@@1M", "::"))
	for _, f := range files {
		if !strings.Contains(out, "::/"+f.Name+"\n") {
			t.Errorf("mdir -b lacks %s:\n%s", f.Name, out)
		}
	}
	part := filepath.Join(t.TempDir(), "part.img")
	run(t, "dd", "if="+img, "of="+part, "bs=1M", "skip=1", "conv=sparse", "status=none")
	if out, err := exec.Command("fsck.vfat", "-n", part).CombinedOutput(); err != nil {
		t.Fatalf("fsck.vfat -n: %v\n%s", err, out)
	}
}

// TestVerifyDetectsChanges edits a file on a card image with go-diskfs.
func TestVerifyDetectsChanges(t *testing.T) {
	img := filepath.Join(t.TempDir(), "v.img")
	files := []File{{Name: "calendarbot.toml", Data: []byte("tz = \"UTC\"\n")}, {Name: "vmlinuz", Data: []byte("kernel")}}
	if _, err := Build(img, files, Options{Size: MinSize}); err != nil {
		t.Fatal(err)
	}
	d, err := diskfs.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := d.GetFilesystem(1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fsys.OpenFile("/calendarbot.toml", os.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("tz = \"CET\"\n")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d.Close()
	if _, err := Verify(img); err == nil || !strings.Contains(err.Error(), "calendarbot.toml differs") {
		t.Errorf("Verify after editing calendarbot.toml: %v", err)
	}
	if _, err := Verify(img, "calendarbot.toml"); err != nil {
		t.Errorf("Verify with calendarbot.toml editable: %v", err)
	}
}

// TestBootOverlay checks overlays/boot against what the image and boot.md need.
func TestBootOverlay(t *testing.T) {
	dir := filepath.Join("..", "..", "overlays", "boot")
	cmdline := string(mustRead(t, filepath.Join(dir, "cmdline.txt")))
	if strings.Count(cmdline, "\n") != 1 || !strings.HasSuffix(cmdline, "\n") {
		t.Errorf("cmdline.txt must be exactly one line: %q", cmdline)
	}
	for _, want := range []string{"console=ttyS1,115200", "consoleblank=0", "calendarbot.boot=PARTUUID=" + PartUUID(DefaultDiskID)} {
		if !slices.Contains(strings.Fields(cmdline), want) {
			t.Errorf("cmdline.txt lacks %s: %q", want, cmdline)
		}
	}
	if strings.Contains(cmdline, "root=") {
		t.Errorf("cmdline.txt has root= but the system is the initramfs: %q", cmdline)
	}
	settings := map[string]bool{}
	for _, line := range strings.Split(string(mustRead(t, filepath.Join(dir, "config.txt"))), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			settings[line] = true
		}
	}
	for _, want := range []string{"arm_64bit=1", "enable_uart=1", "upstream_kernel=1", "gpu_mem=16", "kernel=vmlinuz",
		"initramfs initrd.img followkernel", "device_tree=bcm2837-rpi-zero-2-w.dtb", "disable_overscan=1", "hdmi_force_hotplug=1"} {
		if !settings[want] {
			t.Errorf("config.txt lacks %q", want)
		}
	}
	var files []File
	for _, name := range []string{"config.txt", "cmdline.txt", "calendarbot.toml"} {
		if err := validName(name); err != nil {
			t.Error(err)
		}
		files = append(files, File{Name: name, Src: filepath.Join(dir, name)})
	}
	if _, err := load(files, DefaultLabel); err != nil {
		t.Error(err)
	}
}

func BenchmarkBuildDefault(b *testing.B) {
	files, _ := fakeFiles(b)
	img := filepath.Join(b.TempDir(), "bench.img")
	for b.Loop() {
		if _, err := Build(img, files, Options{SourceDateEpoch: testEpoch}); err != nil {
			b.Fatal(err)
		}
	}
}
