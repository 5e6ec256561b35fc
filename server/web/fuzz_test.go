package web

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPage puts arbitrary text in every field of the page that comes from
// a calendar, a feed or the configuration, and checks that it stays text:
// the page has exactly as many '<' and '>' as the same page with harmless
// text of the same emptiness (so no value opened or closed a tag, a
// comment or the script element), and it is valid UTF-8.
func FuzzPage(f *testing.F) {
	f.Add("<img src=x onerror=alert(1)>", `"><script>alert(1)</script>`, "Tom & Jerry's \"room\"", "</textarea>", "#12345G")
	f.Add("\x00\xff\xfe", "<!--", "]]>", "</script", "")
	f.Add("a+b", "\u2028\u2029", "&amp;", "'", "\U0001F680")
	f.Fuzz(func(t *testing.T, subject, location, calendar, feed, extra string) {
		page := func(s func(string) string) string {
			d := base()
			d.AppVersion = s(extra)
			d.ThemeColor = s(extra)
			d.Current = &MeetingView{ID: s(extra), Subject: s(subject), Location: s(location), Calendar: s(calendar),
				Color: s(extra), Start: at(9, 0), End: at(11, 0)}
			d.Next = &MeetingView{ID: s(feed), Subject: s(location), Location: s(subject), Calendar: s(feed),
				Start: at(11, 0), End: at(12, 0), Tentative: true}
			d.Later = []MeetingView{{ID: s(subject), Subject: s(calendar), Calendar: s(extra), Start: at(13, 0), End: at(14, 0)}}
			d.AllDay = []MeetingView{{ID: s(location), Subject: s(feed), Calendar: s(subject), AllDay: true,
				Start: at(0, 0), End: at(0, 0).AddDate(0, 0, 1)}}
			d.Stale = true
			d.Feeds = []FeedView{{Name: s(feed), Stale: true, Error: s(subject)}, {Name: s(calendar), Error: s(extra)}}
			var b bytes.Buffer
			if err := Render(&b, d); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		got := page(func(s string) string { return s })
		harmless := page(func(s string) string {
			if s == "" {
				return ""
			}
			return "x"
		})
		if !utf8.ValidString(got) {
			t.Error("page is not valid UTF-8")
		}
		for _, c := range []string{"<", ">"} {
			if n, want := strings.Count(got, c), strings.Count(harmless, c); n != want {
				t.Fatalf("%d %q in the page, %d with harmless text: calendar text became markup", n, c, want)
			}
		}
	})
}
