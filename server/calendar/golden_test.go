package calendar

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/tz"
)

// expandArgs are the options of one golden expansion, in the flags of
// `calendarbot expand` so that a .args file reads like the command line.
type expandArgs struct {
	from, to time.Time
	floating *time.Location
	noXWR    bool
}

func parseArgs(t *testing.T, def expandArgs, line string) expandArgs {
	t.Helper()
	a := def
	f := strings.Fields(line)
	for i := 0; i < len(f); i++ {
		next := func() string {
			if i+1 >= len(f) {
				t.Fatalf("args %q: %s needs a value", line, f[i])
			}
			i++
			return f[i]
		}
		switch f[i] {
		case "--from":
			a.from = mustTime(t, next())
		case "--to":
			a.to = mustTime(t, next())
		case "--floating-tz":
			name := next()
			loc, ok := tz.LoadIANA(name)
			if !ok {
				t.Fatalf("args %q: unknown zone %q", line, name)
			}
			a.floating = loc
		case "--no-x-wr-timezone":
			a.noXWR = true
		default:
			t.Fatalf("args %q: unknown flag %q", line, f[i])
		}
	}
	return a
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

// expandFile runs the whole engine on one file the way `calendarbot expand`
// does and returns its JSON lines.
func expandFile(t testing.TB, path string, a expandArgs) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Parse(data, Options{Floating: a.floating, IgnoreXWRTimezone: a.noXWR})
	if err != nil {
		return nil
	}
	occ, _ := cal.Expand(a.from, a.to, DefaultLimits)
	return AppendJSONL(nil, occ)
}

var update = flag.Bool("update", false, "rewrite golden files under testdata/ with the current output")

// diffLines explains the first differences between two JSONL outputs.
func diffLines(want, got []byte) string {
	w := strings.Split(strings.TrimRight(string(want), "\n"), "\n")
	g := strings.Split(strings.TrimRight(string(got), "\n"), "\n")
	inW := map[string]bool{}
	for _, l := range w {
		inW[l] = true
	}
	inG := map[string]bool{}
	for _, l := range g {
		inG[l] = true
	}
	var b strings.Builder
	n := 0
	for _, l := range w {
		if !inG[l] && n < 6 {
			b.WriteString("\n  missing: " + l)
			n++
		}
	}
	for _, l := range g {
		if !inW[l] && n < 12 {
			b.WriteString("\n  extra:   " + l)
			n++
		}
	}
	if n == 0 {
		b.WriteString("\n  same lines, different order or count")
	}
	return b.String()
}

// TestCases checks the project's own calendars (testdata/cases) against
// golden expansions that were cross-checked with the reference expanders
// (see testdata/cases/README.md for where they disagreed and why).
func TestCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/cases/*.ics")
	if len(files) < 60 {
		t.Fatalf("expected at least 60 test calendars in testdata/cases, found %d", len(files))
	}
	def := expandArgs{
		from:     mustTime(t, "2024-01-01T00:00:00Z"),
		to:       mustTime(t, "2028-01-01T00:00:00Z"),
		floating: time.UTC,
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".ics")
		t.Run(name, func(t *testing.T) {
			a := def
			if b, err := os.ReadFile(strings.TrimSuffix(f, ".ics") + ".args"); err == nil {
				a = parseArgs(t, def, strings.TrimSpace(string(b)))
			}
			got := expandFile(t, f, a)
			golden := strings.TrimSuffix(f, ".ics") + ".jsonl"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden file: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("expansion differs from %s:%s", golden, diffLines(want, got))
			}
		})
	}
}

// corpusDir finds the shared regression corpus, which lives outside this
// repository (CALENDARBOT_CORPUS overrides the default location).
func corpusDir() string {
	if d := os.Getenv("CALENDARBOT_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "corpus")
}

// knownCorpusDifferences are the reference answers we deliberately do not
// reproduce, each explained in docs/RECURRENCE.md.
var knownCorpusDifferences = map[string]string{
	"rie/issue_28_rrule_with_UTC_endinginZ": "all-day series with Outlook's UTC UNTIL keeps its last day (policy)",
}

// TestCorpus checks byte-identical output with the expected expansions of
// the shared corpus: all calendarbot files and at least 94 of the 96 rie
// files, the remaining differences being documented decisions.
func TestCorpus(t *testing.T) {
	root := corpusDir()
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus: %s not found (set CALENDARBOT_CORPUS): skipping the shared-corpus check", root)
	}
	sets := []struct {
		dir, from, to string
		minPass       int
	}{
		{"calendarbot", "2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z", -1},
		{"calendarbot/alexa", "2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z", -1},
		{"rie", "1990-01-01T00:00:00Z", "2030-01-01T00:00:00Z", 94},
	}
	for _, set := range sets {
		files, _ := filepath.Glob(filepath.Join(root, set.dir, "*.ics"))
		sort.Strings(files)
		a := expandArgs{from: mustTime(t, set.from), to: mustTime(t, set.to), floating: time.UTC}
		pass := 0
		var failed []string
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".ics")
			want, err := os.ReadFile(filepath.Join(root, set.dir, "expected", name+".jsonl"))
			if err != nil {
				continue
			}
			got := expandFile(t, f, a)
			key := set.dir + "/" + name
			if bytes.Equal(got, want) {
				pass++
				if _, ok := knownCorpusDifferences[key]; ok {
					t.Errorf("%s now matches the reference: remove it from knownCorpusDifferences", key)
				}
				continue
			}
			if why, ok := knownCorpusDifferences[key]; ok {
				t.Logf("corpus %s: differs by decision: %s", key, why)
				continue
			}
			failed = append(failed, key)
			t.Errorf("corpus %s differs:%s", key, diffLines(want, got))
		}
		t.Logf("corpus %s: %d/%d byte-identical", set.dir, pass, len(files))
		if set.minPass < 0 && pass != len(files) {
			t.Errorf("corpus %s: all files must match, %d do not", set.dir, len(files)-pass)
		}
		if set.minPass > 0 && pass < set.minPass {
			t.Errorf("corpus %s: %d byte-identical, need at least %d", set.dir, pass, set.minPass)
		}
	}
}
