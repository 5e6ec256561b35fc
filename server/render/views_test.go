package render

import (
	"image"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// Fixed inputs: Wednesday 12 November 2025, 10:17:23 in Berlin.
var (
	berlin = mustLoc("Europe/Berlin")
	now0   = time.Date(2025, 11, 12, 10, 17, 23, 0, berlin)
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func at(h, m int) time.Time { return time.Date(2025, 11, 12, h, m, 0, 0, berlin) }

func base() View {
	return View{Now: now0, Loc: berlin, Loaded: true, UpdatedAt: now0.Add(-3 * time.Minute),
		Feeds: []Feed{{Name: "Work", LastSuccess: now0.Add(-3 * time.Minute)}}}
}

func later3() []Meeting {
	return []Meeting{
		{Subject: "Lunch with Sam", Start: at(12, 30), End: at(13, 30), Color: "#6ee7a8", Calendar: "Personal"},
		{Subject: "Architecture review: render pipeline", Start: at(14, 0), End: at(15, 0), Color: "#ff8c00", Calendar: "Work"},
		{Subject: "1:1 Alex", Start: at(15, 30), End: at(16, 0), Color: "#1e90ff", Calendar: "Work", Tentative: true},
		{Subject: "Gym", Start: at(18, 0), End: at(19, 0), Color: "#aa66ff"},
	}
}

// The named views the golden images cover.
func views() map[string]View {
	vs := map[string]View{}

	v := base()
	v.Current = &Meeting{Subject: "Sprint planning", Location: "Room 4.12 Turing", Calendar: "Work", Color: "#1e90ff",
		Start: at(10, 0), End: at(10, 45)}
	v.Next = &Meeting{Subject: "Design review: e-ink layout", Location: "Zoom", Calendar: "Work", Color: "#ff8c00",
		Start: at(11, 0), End: at(11, 30)}
	v.Later = later3()
	v.AllDay = []Meeting{{Subject: "Sam's birthday", AllDay: true, Color: "#ff5a52", Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)}}
	vs["in_progress"] = v

	v = base()
	v.Next = &Meeting{Subject: "Customer call – ACME GmbH", Location: "Phone", Calendar: "Work", Color: "#1e90ff",
		Start: now0.Add(2*time.Minute - 23*time.Second + 60*time.Second - 60*time.Second), End: at(11, 0)}
	v.Later = later3()
	vs["next_critical"] = v

	v = base()
	v.Next = &Meeting{Subject: "Team sync", Location: "Room 2", Calendar: "Work", Start: at(10, 30), End: at(11, 0)}
	v.Later = later3()[:2]
	vs["next_urgent"] = v

	v = base()
	v.Now = time.Date(2025, 11, 12, 19, 42, 5, 0, berlin)
	v.Next = &Meeting{Subject: "Standup", Location: "Room 1", Calendar: "Work", Color: "#1e90ff",
		Start: time.Date(2025, 11, 13, 9, 0, 0, 0, berlin), End: time.Date(2025, 11, 13, 9, 15, 0, 0, berlin)}
	vs["nothing_left_today"] = v

	v = base()
	v.AllDay = []Meeting{
		{Subject: "Public holiday", AllDay: true, Color: "#ffb300", Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)},
		{Subject: "Alex out of office", AllDay: true, Color: "#1e90ff", Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)},
		{Subject: "Conference day 2", AllDay: true, Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)},
		{Subject: "Release freeze", AllDay: true, Color: "#ff5a52", Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)},
	}
	vs["all_day_only"] = v

	v = vs["in_progress"]
	v.Stale = true
	v.UpdatedAt = now0.Add(-2 * time.Hour)
	v.Feeds = []Feed{{Name: "Work", Stale: true, Error: "401 Unauthorized", LastSuccess: now0.Add(-2 * time.Hour)},
		{Name: "Personal", LastSuccess: now0.Add(-time.Minute)}}
	v.ClockUnsynced = true
	vs["stale_feed"] = v

	v = base()
	v.Current = &Meeting{Subject: "Réunion d'équipe – «Überprüfung» der Qualitätsziele für Ångström & Søren, 会議室 🎉 and a title that goes on and on until it must be cut",
		Location: "Salle Émile-Zola, 3ᵉ étage", Start: at(10, 0), End: at(11, 0), Color: "#aa66ff"}
	v.Next = &Meeting{Subject: "Σύσκεψη ομάδας · Совещание команды · 日本語の会議 😀 · a very long subject indeed that wraps over several lines and then some more words to overflow",
		Location: "Москва, переговорная «Байкал»", Calendar: "Καλεντάρι", Color: "#1e90ff", Start: at(11, 15), End: at(12, 0), Tentative: true}
	v.Later = []Meeting{{Subject: "Ωμέγα 🚀 ελληνικά and a long later title that must end with an ellipsis", Start: at(13, 0), End: at(14, 0)}}
	vs["long_titles"] = v

	v = View{Now: now0, Loc: berlin}
	vs["not_loaded"] = v

	return vs
}

func TestCleanAndWrap(t *testing.T) {
	f := getFace(bold, 34)
	for in, want := range map[string]string{
		"a\x00b":         "a b",
		"  x \t\n y  ":   "x y",
		"ab\u202ecd":     "abcd",
		"ok":             "ok",
		"\xff\xfe":       "\ufffd\ufffd",
		"":               "",
		"a\u200db":       "ab",
		"tab\there\r\n.": "tab here .",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("word ", 20000)
	if c := clean(long); len([]rune(c)) > maxTextRune {
		t.Errorf("clean kept %d runes", len([]rune(c)))
	}
	lines := f.wrap(clean(long), 400, 3)
	if len(lines) != 3 || !strings.HasSuffix(lines[2], ellipsis) {
		t.Fatalf("wrap: %q", lines)
	}
	for _, ln := range lines {
		if w := f.width(ln); w > 400 {
			t.Errorf("line %q is %d px wide", ln, w)
		}
	}
	if got := f.wrap("short", 400, 3); len(got) != 1 || got[0] != "short" {
		t.Errorf("wrap(short) = %q", got)
	}
	// A word longer than the line breaks anywhere.
	if got := f.wrap(strings.Repeat("x", 200), 100, 2); len(got) != 2 || !strings.HasSuffix(got[1], ellipsis) {
		t.Errorf("wrap(long word) = %q", got)
	}
	if got := f.fit("Design review", 1000); got != "Design review" {
		t.Errorf("fit = %q", got)
	}
	if got := f.fit("Design review of everything", 150); !strings.HasSuffix(got, ellipsis) || f.width(got) > 150 {
		t.Errorf("fit = %q (%d px)", got, f.width(got))
	}
	if g := f.glyph('会'); !g.missing {
		t.Error("CJK should be tofu with the Go fonts")
	}
	if g := f.glyph('Ж'); g.missing {
		t.Error("Cyrillic is in the Go fonts")
	}
}

// A coarse image (e-ink, PNG clients) counts down to the minute, so it does
// not change from second to second, while the ticking one does.
func TestCoarseCountdownsHoldForTheMinute(t *testing.T) {
	for _, mode := range []Mode{ModeColor, ModeMono} {
		o := Options{Width: 480, Height: 800, Mode: mode}
		draw := func(v View, at time.Time) image.Image {
			v.Now = at
			img, err := Render(v, o)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
		// No meeting in progress: its progress bar moves smoothly either way.
		v := views()["in_progress"]
		v.Current = nil
		a := time.Date(2025, 11, 12, 10, 17, 5, 0, berlin)
		v.UpdatedAt = a.Add(-10 * time.Minute)
		b := a.Add(40 * time.Second)
		if sameImage(draw(v, a), draw(v, b)) {
			t.Errorf("%v: ticking countdowns did not change over 40 s", mode)
		}
		v.Coarse = true
		if !sameImage(draw(v, a), draw(v, b)) {
			t.Errorf("%v: coarse image changed within a minute", mode)
		}
		if sameImage(draw(v, a), draw(v, a.Add(time.Minute))) {
			t.Errorf("%v: coarse image did not change after a minute", mode)
		}
	}
}
