module github.com/calendarbot/calendarbot

go 1.26
