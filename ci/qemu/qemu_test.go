// Package qemu boots the real appliance in QEMU: -M virt with the Debian
// arm64 kernel and our initramfs, fetching a feed served by the test on the
// host's loopback; and -M raspi3b with the Zero 2 W device tree and the SD
// card image. Without QEMU or the boot packages the tests skip loudly, and
// under CI=true they fail: CI must never pass without booting.
package qemu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/image/build"
)

// need skips (locally) or fails (CI=true) when a prerequisite is missing.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("CANNOT RUN QEMU BOOT TEST: %s: %v (install with: apt-get install qemu-system-arm mtools dosfstools; the Debian boot packages are fetched by image/bootfiles)", what, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, "\n!!! SKIPPING: "+msg+"\n")
	t.Skip(msg)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// TestMain removes the builds (a few hundred MB) when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, o := range builds {
		_ = os.RemoveAll(filepath.Dir(o.Initramfs))
	}
	os.Exit(code)
}

// builds caches one build per board for the whole test binary.
var (
	buildMu sync.Mutex
	builds  = map[string]*build.Output{}
)

func buildBoard(t *testing.T, board string) *build.Output {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if o, ok := builds[board]; ok {
		return o
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// A directory of this run's own: two test runs at once must not
	// overwrite each other's images.
	out, err := os.MkdirTemp("", "calendarbot-qemu-"+board+"-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	o, err := build.Build(ctx, build.Options{Board: board, OutDir: out, RepoRoot: repoRoot(t), Log: testWriter{t}})
	need(t, "building the "+board+" image", err)
	t.Logf("built %s in %s: initramfs %d bytes gzip, %d unpacked", board, time.Since(start).Round(time.Second), o.Initrd.Compressed, o.Initrd.Uncompressed)
	builds[board] = o
	return o
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startQEMU runs QEMU in its own process group and kills it (by PID) when
// the test ends, whatever happens.
func startQEMU(t *testing.T, args []string, console io.Writer) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("qemu-system-aarch64")
	need(t, "qemu-system-aarch64", err)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return cmd
}

// syncBuffer collects the serial console for assertions and logs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const feedICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CalendarBot//QEMU test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:qemu-standup@test\r\nDTSTART;TZID=Europe/Berlin:20260112T093000\r\n" +
	"DTEND;TZID=Europe/Berlin:20260112T094500\r\nRRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\r\n" +
	"SUMMARY:Stand-up in the emulator\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// TestVirtBoot boots the initramfs on -M virt and checks the server fetched
// a feed from the host and answers /api/whats-next correctly for a frozen
// clock. It also records the boot time: QEMU start to the first correct
// answer. The machine has a screen (bochs-display): the boot screen must
// appear on it, then the server's drawing, pixel for pixel as the server
// renders /display.png (screen_test.go).
func TestVirtBoot(t *testing.T) {
	o := buildBoard(t, build.BoardQEMU)
	fetched := make(chan struct{}, 16)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		_, _ = io.WriteString(w, feedICS)
		select {
		case fetched <- struct{}{}:
		default:
		}
	}))
	defer feed.Close()
	feedPort := feed.Listener.Addr().(*net.TCPAddr).Port
	hostPort := freePort(t)
	// Guest 10.0.2.2 is the host's loopback in QEMU's user-mode network.
	args := fmt.Sprintf(`--feed Work=http://10.0.2.2:%d/work.ics --now 2026-01-15T08:20:00Z --tz Europe/Berlin`, feedPort)
	// The screen as the renderer draws it on the host, for the same feed
	// (fetched from 127.0.0.1) and clock.
	want := hostRender(t, []string{"--feed", fmt.Sprintf("Work=http://127.0.0.1:%d/work.ics", feedPort),
		"--now", "2026-01-15T08:20:00Z", "--tz", "Europe/Berlin"})
	for len(fetched) > 0 {
		<-fetched // the host's fetch does not count as the guest's
	}
	// No SD card on virt: the config comes from the initramfs, and QEMU's
	// real-time clock makes the time plausible, so nothing waits.
	cmdline := `console=ttyAMA0 panic=-1 calendarbot.port=8080 calendarbot.config=/etc/calendarbot/calendarbot.toml calendarbot.clockwait=0 calendarbot.args="` + args + `"`
	console := &syncBuffer{}
	qmpSock := filepath.Join(t.TempDir(), "qmp.sock")
	start := time.Now()
	startQEMU(t, append([]string{
		"-M", "virt", "-cpu", "cortex-a53", "-m", "512", "-smp", "4",
		"-kernel", o.Kernel, "-initrd", o.Initramfs, "-append", cmdline,
		"-nographic", "-no-reboot", "-monitor", "none",
		"-qmp", "unix:" + qmpSock + ",server=on,wait=off",
		"-netdev", fmt.Sprintf("user,id=n,hostfwd=tcp:127.0.0.1:%d-:8080", hostPort),
		"-device", "virtio-net-pci,netdev=n,romfile=",
	}, screenDevice()...), console)
	defer func() {
		if t.Failed() {
			t.Logf("serial console:\n%s", console.String())
		}
	}()
	q, err := dialQMP(qmpSock, 30*time.Second)
	if err != nil {
		t.Fatalf("QEMU's QMP socket: %v", err)
	}
	defer q.Close()
	boot := &bootScreenWatcher{}
	bootDone, stopBoot := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(bootDone)
		boot.run(t, q, console, start, stopBoot)
	}()
	defer func() {
		select {
		case <-stopBoot:
		default:
			close(stopBoot)
		}
		<-bootDone
	}()
	client := &http.Client{Timeout: 2 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/api/whats-next", hostPort)
	// Generous: on a loaded 2-core CI machine TCG emulation is slow; the
	// boot time is measured and logged, not asserted here.
	deadline := time.Now().Add(4 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(body)
			var wn struct {
				Meeting *struct {
					MeetingID string `json:"meeting_id"`
					Subject   string `json:"subject"`
					StartISO  string `json:"start_iso"`
				} `json:"meeting"`
			}
			if resp.StatusCode == 200 && json.Unmarshal(body, &wn) == nil && wn.Meeting != nil {
				elapsed := time.Since(start)
				// 08:20Z on Thursday 15 January is 09:20 in Berlin: the
				// stand-up at 09:30 local (08:30Z) is next.
				if wn.Meeting.Subject != "Stand-up in the emulator" || wn.Meeting.StartISO != "2026-01-15T08:30:00Z" ||
					wn.Meeting.MeetingID != "qemu-standup@test_20260115T083000" {
					t.Fatalf("wrong answer from the guest: %s", body)
				}
				t.Logf("QEMU start to first correct /api/whats-next: %s", elapsed.Round(10*time.Millisecond))
				select {
				case <-fetched:
				default:
					t.Error("the guest answered without fetching the feed from the host")
				}
				// The appliance's clock state is visible in /api/health.
				hr, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/api/health", hostPort))
				if err != nil {
					t.Fatal(err)
				}
				hb, _ := io.ReadAll(hr.Body)
				hr.Body.Close()
				var h struct {
					Clock *struct {
						State string `json:"state"`
					} `json:"clock"`
				}
				if json.Unmarshal(hb, &h) != nil || h.Clock == nil || h.Clock.State == "" {
					t.Errorf("/api/health lacks the appliance clock state: %s", hb)
				} else {
					t.Logf("guest clock state: %s", h.Clock.State)
				}
				<-bootDone // the server's first frame has been reported
				t.Logf("QEMU start to the server's first frame on the screen: %s", boot.firstFrame.Round(10*time.Millisecond))
				checkScreen(t, q, hostPort, want, boot, console)
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no correct /api/whats-next from the guest within 4 min; last answer %q", last)
}

// TestRaspi3bSDCard boots -M raspi3b with the Zero 2 W device tree and the
// SD card image attached as a writable drive: the uinit must find the boot
// partition by its disk identifier, mount it read-only, read the config on
// it and start the server; afterwards the image file must be bit-for-bit
// unchanged. QEMU cannot run the Pi's VideoCore firmware, so the kernel,
// device tree and initramfs from the card's build are passed directly.
func TestRaspi3bSDCard(t *testing.T) {
	o := buildBoard(t, build.BoardZero2W)
	// Boot a copy, so a failure cannot damage the build output.
	img := filepath.Join(t.TempDir(), "calendarbot.img")
	if err := copyFile(o.Image, img); err != nil {
		t.Fatal(err)
	}
	before := sha256File(t, img)
	uart0 := filepath.Join(t.TempDir(), "uart0.log")
	uart1 := filepath.Join(t.TempDir(), "uart1.log")
	// QEMU's emulated Pi watchdog resets the machine as soon as it is
	// armed, so the test runs without it (hardware: see image/README.md).
	cmdline := "console=ttyS1,115200 mem=512M panic=-1 calendarbot.clockwait=0 calendarbot.watchdog=0 calendarbot.args=\"--now 2026-01-15T08:20:00Z\""
	start := time.Now()
	cmd := startQEMU(t, []string{
		"-M", "raspi3b", "-m", "1G",
		"-kernel", o.Kernel, "-dtb", o.DTB, "-initrd", o.Initramfs, "-append", cmdline,
		"-serial", "file:" + uart0, "-serial", "file:" + uart1,
		"-display", "none", "-monitor", "none", "-no-reboot",
		"-drive", "if=sd,format=raw,file=" + img,
	}, io.Discard)
	read := func() string {
		b0, _ := os.ReadFile(uart0)
		b1, _ := os.ReadFile(uart1)
		return string(b0) + string(b1)
	}
	want := []string{
		"boot partition /dev/mmcblk0p1",
		"mounted read-only at /boot",
		"config: using /boot/calendarbot.toml",
		"server: starting /bin/calendarbot --config /boot/calendarbot.toml",
		"CalendarBot is serving on",
		// The server reads the config on the card: no flags name a feed.
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		log := read()
		missing := ""
		for _, w := range want {
			if !strings.Contains(log, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			t.Logf("raspi3b: every expected console line within %s", time.Since(start).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console never showed %q within 3 min:\n%s", missing, log)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if strings.Contains(read(), "read-write") {
		t.Errorf("something mentions a read-write mount:\n%s", read())
	}
	// Power off the way a user does: pull the plug.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	if after := sha256File(t, img); after != before {
		t.Fatalf("the SD image changed during boot: sha256 %s before, %s after", before, after)
	}
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestReproducible builds the SD image a second time from the same inputs
// and requires the same bytes: initramfs and card image.
func TestReproducible(t *testing.T) {
	first := buildBoard(t, build.BoardZero2W)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	second, err := build.Build(ctx, build.Options{Board: build.BoardZero2W, OutDir: t.TempDir(), RepoRoot: repoRoot(t), Log: testWriter{t}})
	need(t, "building the zero2w image again", err)
	t.Logf("second build (warm caches) took %s", time.Since(start).Round(100*time.Millisecond))
	for _, pair := range [][2]string{{first.Initramfs, second.Initramfs}, {first.Image, second.Image}} {
		if a, b := sha256File(t, pair[0]), sha256File(t, pair[1]); a != b {
			t.Errorf("%s and %s differ: %s vs %s", pair[0], pair[1], a, b)
		}
	}
}
