package icsgen

import (
	"fmt"
	"strings"
)

// All text below is invented for this generator.

type person struct {
	name, email string
}

var people = []person{
	{"Anna Schmidt", "anna.schmidt@example.com"},
	{"Ben Carter", "ben.carter@example.com"},
	{"Chloé Martin", "chloe.martin@example.com"},
	{"David Okafor", "david.okafor@example.com"},
	{"Elif Yılmaz", "elif.yilmaz@example.com"},
	{"Felix Bauer", "felix.bauer@example.com"},
	{"Grace Liu", "grace.liu@example.net"},
	{"Hiroshi Tanaka", "hiroshi.tanaka@example.jp"},
	{"山田 花子", "hanako.yamada@example.jp"},
	{"Isabel Fernández", "isabel.fernandez@example.com"},
	{"Jürgen Müller", "juergen.mueller@example.de"},
	{"Müller, Jürgen", "j.mueller@example.de"},
	{"Kavya Reddy", "kavya.reddy@example.in"},
	{"Liam O'Brien", "liam.obrien@example.com"},
	{"Łukasz Nowak", "lukasz.nowak@example.com"},
	{"Maya Goldberg", "maya.goldberg@example.com"},
	{"Noah Williams", "noah.williams@example.com"},
	{"Olivia Brown", "olivia.brown@example.org"},
	{"Priya Sharma", "priya.sharma@example.in"},
	{"Quentin Lefèvre", "quentin.lefevre@example.fr"},
	{"Rosa Álvarez", "rosa.alvarez@example.com"},
	{"Smith, Sarah", "sarah.smith@example.com"},
	{"Tomás Ribeiro", "tomas.ribeiro@example.com"},
	{"Uma Patel", "uma.patel@example.com"},
	{"Victor Nguyen", "victor.nguyen@example.com"},
	{"Wei Zhang", "wei.zhang@example.net"},
	{"Zoë Dubois", "zoe.dubois@example.fr"},
	{"Facilities Team", "facilities@example.com"},
}

var partstats = []string{"NEEDS-ACTION", "ACCEPTED", "ACCEPTED", "ACCEPTED", "TENTATIVE", "DECLINED"}

var singleTitles = []string{
	"Project kickoff",
	"Design review: onboarding flow",
	"Customer call – Nordwind GmbH",
	"Budget review, Q%d",
	"Interview: Senior Backend Engineer",
	"Architecture deep dive",
	"Lunch & learn: observability",
	"Vendor demo",
	"Incident retrospective",
	"Release go/no-go",
	"Roadmap planning; draft 2",
	"Réunion d'équipe",
	"Übergabe an Betriebsteam",
	"Café chat with Zoë",
	"日本チームとの打ち合わせ",
	"Security awareness training",
	"Offsite prep",
	"Dentist",
	"Performance review",
	"Board deck dry-run",
	"Hiring committee",
	"Data migration, cut-over rehearsal",
	"Partner sync – São Paulo",
	"Workshop: API versioning",
	"Town hall",
	"Quarterly business review",
	"Focus time",
	"Travel: flight to München",
}

var allDayTitles = []string{
	"Public holiday",
	"Out of office",
	"Company offsite",
	"Conference: KubeCon Europe",
	"Team away day",
	"Vacation – Côte d'Azur",
	"Trade fair, Hannover Messe",
	"Release freeze",
	"Parental leave",
	"Training week",
}

var seriesTitles = map[ruleKind][]string{
	kWeekly:     {"Weekly team sync", "Platform weekly", "Product & design sync", "Wochenplanung", "Ops review", "Office hours", "日本語レッスン"},
	kBiweekly:   {"1:1 Anna / Ben", "Sprint planning", "Sprint review, demo", "Bi-weekly architecture board", "1:1 Grace / Chloé"},
	kMonthlyNth: {"Monthly business review", "All-hands", "Leadership offsite call", "Security council"},
	kMonthlyDay: {"Payroll cut-off", "Monthly report due", "Invoice run; finance", "Patch day"},
	kWeekdays:   {"Daily stand-up", "Daily scrum", "Morning check-in", "Support triage"},
	kDaily:      {"Onboarding bootcamp", "Incident war room", "Release hypercare"},
	kYearly:     {"Birthday: Jürgen", "Work anniversary – Priya", "Company founding day", "Contract renewal, Nordwind"},
}

var locations = []string{
	"Microsoft Teams Meeting",
	"Microsoft Teams Meeting",
	"Microsoft Teams Meeting",
	"Conference Room 4.12 (Building 2)",
	"Salle de réunion Étoile",
	"Besprechungsraum Zürich",
	"東京本社 会議室A",
	"Room 201; Floor 2",
	"Café Müller, Hauptstraße 5, Berlin",
	"HQ Auditorium",
	"Zoom",
	"Phone: +1 415 555 0134",
	"Huddle room Øresund",
}

var greetings = []string{
	"Hi all,",
	"Hello team,",
	"Hi everyone, quick reminder:",
	"Bonjour à tous,",
	"Hallo zusammen,",
	"Dear colleagues,",
}

var agendaItems = []string{
	"Review of open action items from last time",
	"Status per workstream (5 min each, please keep it short)",
	"Risks, blockers; escalations if any",
	"Decision needed: rollout plan for the new billing service",
	"Metrics walkthrough: latency, error rate, cost",
	"Feedback from the customer advisory board",
	"Hiring pipeline, open requisitions",
	"Upcoming holidays and on-call coverage",
	"Demo of the prototype (Felix)",
	"Retro on the last incident – what went well, what didn't",
	"Budget: travel, tooling, training",
	"Naïve estimate vs. actuals for Q%d",
}

var closings = []string{
	"Thanks,",
	"Please add topics to the shared doc beforehand.",
	"Bitte Agenda vorab ergänzen.",
	"If you cannot make it, send a delegate.",
	"Slides will be shared after the meeting.",
}

const ruler = "________________________________________________________________________________"

// teamsFooter returns an online-meeting block in the style of a Teams invite.
func teamsFooter(r *rng) string {
	var b strings.Builder
	b.WriteString(ruler + "\n")
	b.WriteString("Microsoft Teams meeting\n")
	b.WriteString("Join from your PC, phone or meeting room\n")
	fmt.Fprintf(&b, "Join now<https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%s%%40thread.v2/0?context=%%7b%%22Tid%%22%%3a%%22%s%%22%%7d>\n",
		r.alnum(40), r.uuid())
	fmt.Fprintf(&b, "Meeting ID: %d %03d %03d %03d\n", r.between(200, 399), r.intn(1000), r.intn(1000), r.intn(1000))
	fmt.Fprintf(&b, "Passcode: %s\n", r.alnum(6))
	b.WriteString("Get the app<https://aka.ms/getteams> | Help<https://aka.ms/JoinTeamsMeeting>\n")
	b.WriteString(ruler + "\n")
	return b.String()
}

// meetFooter returns a video-conference block in the style of Google Meet.
func meetFooter(r *rng) string {
	code := r.alnum(3) + "-" + r.alnum(4) + "-" + r.alnum(3)
	return "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-\n" +
		"Join the video call: https://meet.google.com/" + code + "\n" +
		fmt.Sprintf("Dial in: (US) +1 555-01%02d PIN: %d#\n", r.intn(100), r.between(100000000, 999999999)) +
		"Do not edit this block.\n" +
		"-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-"
}

// longDescription builds a multi-line description of roughly target bytes.
func longDescription(r *rng, target int, online, google bool) string {
	var footer string
	if online {
		if google {
			footer = meetFooter(r)
		} else {
			footer = teamsFooter(r)
		}
	}
	var b strings.Builder
	b.WriteString(pick(r, greetings))
	b.WriteString("\n\n")
	b.WriteString("Agenda:\n")
	items := append([]string(nil), agendaItems...)
	shuffle(r, items)
	n := 0
	for _, it := range items {
		if b.Len()+len(footer)+60 >= target && n >= 2 {
			break
		}
		if strings.Contains(it, "%d") {
			it = fmt.Sprintf(it, r.between(1, 4))
		}
		n++
		fmt.Fprintf(&b, "%d. %s\n", n, it)
	}
	fmt.Fprintf(&b, "%d. AOB\n\n", n+1)
	b.WriteString(pick(r, closings))
	if footer != "" {
		b.WriteString("\n\n")
		b.WriteString(footer)
	}
	return b.String()
}

func shortDescription(r *rng) string {
	return pick(r, []string{
		"Reminder set by assistant.",
		"Bring your laptop, please.",
		"See the shared notes for details.",
		"Blocked for deep work – please don't book over this.",
		"Dial-in details to follow.",
		"Parking: level -2, spaces 14–18.",
	})
}
