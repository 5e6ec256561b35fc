package tz

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// goZoneinfoZip is Go's copy of the tz database, the same data that
// time/tzdata embeds, or "" if this toolchain has none.
var goZoneinfoZip string

// TestMain points ZONEINFO at Go's zoneinfo.zip (unless ZONEINFO is
// already set) so that the tests run on the same data as the appliance,
// which has no /usr/share/zoneinfo and uses the embedded copy, instead of
// whatever tzdata version and build ("fat" or "slim") the host has. Go's
// copy is "slim": future times come from POSIX TZ rule strings, the
// harder path for Instant.
func TestMain(m *testing.M) {
	for _, root := range []string{os.Getenv("GOROOT"), runtime.GOROOT()} {
		if root == "" {
			continue
		}
		p := filepath.Join(root, "lib", "time", "zoneinfo.zip")
		if _, err := os.Stat(p); err == nil {
			goZoneinfoZip = p
			break
		}
	}
	if os.Getenv("ZONEINFO") == "" && goZoneinfoZip != "" {
		os.Setenv("ZONEINFO", goZoneinfoZip)
	}
	os.Exit(m.Run())
}

// allZoneNames lists the zones in Go's zoneinfo.zip, or skips the test.
func allZoneNames(t testing.TB) []string {
	t.Helper()
	if goZoneinfoZip == "" {
		t.Skip("no $GOROOT/lib/time/zoneinfo.zip to list zones from")
	}
	r, err := zip.OpenReader(goZoneinfoZip)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, "/") {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return names
}
