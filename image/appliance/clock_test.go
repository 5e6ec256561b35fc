package appliance

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseBuildTime(t *testing.T) {
	want := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-11-29T12:00:00Z\n", "1795953600", " 2026-11-29T13:00:00+01:00 "} {
		got, err := ParseBuildTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseBuildTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseBuildTime("yesterday"); err == nil {
		t.Error("bad build time accepted")
	}
}

func TestApplyFloor(t *testing.T) {
	floor := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	c := &fakeClock{t: time.Unix(5, 0)} // a Pi without RTC boots in 1970
	if set, err := ApplyFloor(c, floor); !set || err != nil || !c.Now().Equal(floor) {
		t.Errorf("1970: set=%v err=%v now=%v", set, err, c.Now())
	}
	later := floor.Add(48 * time.Hour)
	c = &fakeClock{t: later}
	if set, _ := ApplyFloor(c, floor); set || !c.Now().Equal(later) {
		t.Error("a later clock was moved back")
	}
}

func readClockJSON(t *testing.T, root string) ClockStatus {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, PathRunDir, "clock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s ClockStatus
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClockKeeperFloorThenNTP(t *testing.T) {
	root := t.TempDir()
	build := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeFiles(t, root, map[string]string{"etc/calendarbot/build-time": build.Format(time.RFC3339)})
	os.MkdirAll(filepath.Join(root, PathRunDir), 0o755)
	clk := &fakeClock{t: time.Unix(0, 0)}
	serverTime := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	addr := fakeNTP(t, serverTime, nil)
	c, out := testConsole()
	o := Options{Root: root, Clock: clk, Dial: dialer(), ClockWait: 5 * time.Second, After: time.After}
	k := NewClockKeeper(c, o, []string{"127.0.0.1:1", addr})
	if k.Floor() {
		t.Error("1970 counted as plausible")
	}
	if !clk.Now().Equal(build) || readClockJSON(t, root).State != ClockBuildTimeFloor {
		t.Fatalf("floor not applied: %v %+v", clk.Now(), readClockJSON(t, root))
	}
	k.SyncAtBoot(context.Background(), false, true)
	if d := clk.Now().Sub(serverTime); d > time.Second || d < -time.Second {
		t.Errorf("clock = %v, want about %v\n%s", clk.Now(), serverTime, out)
	}
	s := readClockJSON(t, root)
	if s.State != ClockNTP || s.Server != addr || !s.Plausible || !strings.HasPrefix(s.Summary, "ntp:"+addr+" offset +") {
		t.Errorf("clock.json = %+v", s)
	}
	if !strings.Contains(out.String(), "synchronised with "+addr) {
		t.Errorf("log:\n%s", out)
	}
}

func TestClockKeeperTimesOutLoudly(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, PathRunDir), 0o755)
	clk := &fakeClock{t: time.Unix(0, 0)}
	c, out := testConsole()
	// Nothing answers on this port; the wait is short.
	pc, _ := netListenUDP(t)
	o := Options{Root: root, Clock: clk, Dial: dialer(), ClockWait: 300 * time.Millisecond, After: time.After}
	k := NewClockKeeper(c, o, []string{pc})
	k.SyncAtBoot(context.Background(), k.Floor(), true)
	if !strings.Contains(out.String(), "CLOCK NOT SYNCED") {
		t.Errorf("no loud line:\n%s", out)
	}
	if s := readClockJSON(t, root); s.State != ClockUnsynced || s.Plausible {
		t.Errorf("clock.json = %+v", s)
	}
}

func TestClockKeeperDoesNotWaitWithoutNeed(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, PathRunDir), 0o755)
	c, out := testConsole()
	never := func(time.Duration) <-chan time.Time { return nil }
	o := Options{Root: root, Clock: &fakeClock{t: time.Now()}, Dial: dialer(), ClockWait: time.Hour, After: never}
	k := NewClockKeeper(c, o, []string{"127.0.0.1:1"})
	k.SyncAtBoot(context.Background(), true, true)   // RTC: plausible
	k.SyncAtBoot(context.Background(), false, false) // no network
	if !strings.Contains(out.String(), "background") || !strings.Contains(out.String(), "CLOCK NOT SYNCED: there is no network") {
		t.Errorf("log:\n%s", out)
	}
}
