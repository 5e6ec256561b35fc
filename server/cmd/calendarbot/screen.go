package main

import (
	"time"

	"github.com/calendarbot/calendarbot/server/render"
	"github.com/calendarbot/calendarbot/server/service"
)

// screenView turns the /api/whats-next answer into what the drawn screen
// shows, so the framebuffer, /display.png and the API never disagree.
func screenView(wn service.WhatsNextResponse, loc *time.Location) render.View {
	v := render.View{
		Current: screenMeeting(wn.Current),
		Next:    screenMeeting(wn.Meeting),
		Loc:     loc,
		Loaded:  wn.Data.Initialized,
		Stale:   wn.Data.Stale,
	}
	v.Now, _ = time.Parse(time.RFC3339, wn.NowISO)
	for i := range wn.Later {
		v.Later = append(v.Later, *screenMeeting(&wn.Later[i]))
	}
	for i := range wn.AllDayToday {
		v.AllDay = append(v.AllDay, *screenMeeting(&wn.AllDayToday[i]))
	}
	if t, err := time.Parse(time.RFC3339, wn.Data.UpdatedISO); err == nil {
		v.UpdatedAt = t
	}
	for _, f := range wn.Data.Feeds {
		rf := render.Feed{Name: f.Name, Stale: f.Stale, Error: f.Error}
		rf.LastSuccess, _ = time.Parse(time.RFC3339, f.LastSuccessISO)
		v.Feeds = append(v.Feeds, rf)
	}
	return v
}

func screenMeeting(m *service.Meeting) *render.Meeting {
	if m == nil {
		return nil
	}
	start, end := localSpan(m)
	return &render.Meeting{Subject: m.Subject, Location: m.Location, Calendar: m.Calendar, Color: m.Color,
		Start: start, End: end, AllDay: m.AllDay, Tentative: m.Status == "TENTATIVE"}
}
