package config

import (
	"os"
	"strings"
	"testing"
)

// TestReference keeps REFERENCE.md in step with the code: every setting
// has a row naming its key, variable and flag, and every feed and appliance
// key is documented.
func TestReference(t *testing.T) {
	data, err := os.ReadFile("REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, s := range settings {
		row := "| `" + s.key + "` | `" + s.env + "` | `--" + s.flag + "` |"
		if !strings.Contains(doc, row) {
			t.Errorf("REFERENCE.md lacks the row %q", row)
		}
	}
	for _, k := range feedKeys {
		if !strings.Contains(doc, "`"+k+"`") && !strings.Contains(doc, "`[feed."+k+"]`") {
			t.Errorf("REFERENCE.md does not document feed key %q", k)
		}
	}
	for table, keys := range map[string][]string{"wifi": wifiKeys, "network": networkKeys, "clock": clockKeys} {
		for _, k := range keys {
			if !strings.Contains(doc, "| `"+table+"."+k+"` |") {
				t.Errorf("REFERENCE.md does not document %s.%s", table, k)
			}
		}
	}
	for _, k := range trmnlDeviceKeys {
		if !strings.Contains(doc, "| `"+k+"` |") {
			t.Errorf("REFERENCE.md does not document trmnl.device key %q", k)
		}
	}
	for _, s := range []string{"CALENDARBOT_FEEDS", "--feed", "CALENDARBOT_CONFIG", "--config"} {
		if !strings.Contains(doc, s) {
			t.Errorf("REFERENCE.md does not mention %s", s)
		}
	}
}
