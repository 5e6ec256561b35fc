package appliance

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCmdline(t *testing.T) {
	k := ParseCmdline(`console=ttyAMA0 panic=-1 calendarbot.debug=1 calendarbot.port=8080 ` +
		`calendarbot.args="--now 2026-01-15T09:00:00Z --tz 'Europe/Berlin'" calendarbot.config=/etc/calendarbot/calendarbot.toml` + "\n")
	if !k.Debug || k.Port != 8080 || k.Config != "/etc/calendarbot/calendarbot.toml" || len(k.Problems) != 0 || k.ClockWait != -1 {
		t.Fatalf("knobs = %+v", k)
	}
	if want := []string{"--now", "2026-01-15T09:00:00Z", "--tz", "Europe/Berlin"}; !reflect.DeepEqual(k.Args, want) {
		t.Errorf("args = %q, want %q", k.Args, want)
	}
}

func TestParseCmdlineQuotesAnywhere(t *testing.T) {
	// The kernel allows the quote before the key, too.
	k := ParseCmdline(`"calendarbot.args=--feed 'My Cal=https://x/y.ics'" calendarbot.debug calendarbot.clockwait=0`)
	if want := []string{"--feed", "My Cal=https://x/y.ics"}; !reflect.DeepEqual(k.Args, want) {
		t.Errorf("args = %q", k.Args)
	}
	if !k.Debug || k.ClockWait != 0 {
		t.Errorf("knobs = %+v", k)
	}
	if k := ParseCmdline("calendarbot.clockwait=5s"); k.ClockWait != 5*time.Second {
		t.Errorf("clockwait = %v", k.ClockWait)
	}
}

func TestParseCmdlineProblemsAreNotFatal(t *testing.T) {
	k := ParseCmdline(`calendarbot.port=http calendarbot.prot=80 calendarbot.config=relative.toml calendarbot.args="'unbalanced" calendarbot.debug=maybe`)
	if k.Port != 0 || k.Config != "" || k.Args != nil || k.Debug {
		t.Errorf("bad values were used: %+v", k)
	}
	if len(k.Problems) != 5 {
		t.Fatalf("problems = %q", k.Problems)
	}
	if !strings.Contains(k.Problems[1], "calendarbot.prot") {
		t.Errorf("unknown knob not named: %q", k.Problems[1])
	}
}

func TestCmdlineWatchdogAndBootKnobs(t *testing.T) {
	k := ParseCmdline(`console=ttyS1,115200 calendarbot.watchdog=0 calendarbot.boot=PARTUUID=ca1eb077-01`)
	if !k.NoWatchdog {
		t.Error("calendarbot.watchdog=0 did not disable the watchdog")
	}
	if len(k.Problems) != 0 {
		t.Errorf("problems for known knobs: %v", k.Problems)
	}
	if k := ParseCmdline(`calendarbot.watchdog=maybe`); k.NoWatchdog || len(k.Problems) != 1 {
		t.Errorf("bad value: NoWatchdog=%v problems=%v", k.NoWatchdog, k.Problems)
	}
	if k := ParseCmdline(`calendarbot.watchdog=1`); k.NoWatchdog || len(k.Problems) != 0 {
		t.Errorf("watchdog=1: NoWatchdog=%v problems=%v", k.NoWatchdog, k.Problems)
	}
}
