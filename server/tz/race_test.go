//go:build race

package tz

const raceEnabled = true
