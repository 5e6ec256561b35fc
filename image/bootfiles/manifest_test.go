package bootfiles

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestDefaultManifest(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"linux-image-" + m.KernelVersion, "raspi-firmware", "firmware-brcm80211"} {
		if _, ok := m.Package(name); !ok {
			t.Errorf("manifest.json does not pin %s", name)
		}
	}
	// The committed file is in canonical form, so `pin -write` diffs are
	// only the changed entries.
	b, err := m.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(defaultManifest) {
		t.Errorf("manifest.json is not in canonical form; want:\n%s", b)
	}
}

func TestLoadManifest(t *testing.T) {
	m, err := LoadManifest("testdata/manifest-valid.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.KernelVersion != "6.1.0-99-arm64" || len(m.Packages) != 2 {
		t.Fatalf("parsed %+v", m)
	}
	p := m.Packages[1]
	if p.Version != "1:1.2+ds-1" || p.Size != 12 || p.Suite != "bookworm" {
		t.Errorf("package 1 = %+v", p)
	}
	if got, want := m.URL(p), "http://127.0.0.1:1/debian/pool/non-free-firmware/r/raspi-firmware/raspi-firmware_1.2+ds-1_all.deb"; got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
	if _, err := LoadManifest("testdata/nonexistent.json"); err == nil {
		t.Error("missing file: no error")
	}
}

func TestManifestValidation(t *testing.T) {
	base, err := os.ReadFile("testdata/manifest-valid.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]any)
		errHas string
	}{
		{"unknown field", func(m map[string]any) { m["pakages"] = []any{} }, "unknown field"},
		{"no kernel pin", func(m map[string]any) { m["kernelVersion"] = "6.1.0-1-arm64" }, "no package linux-image-6.1.0-1-arm64"},
		{"empty kernel", func(m map[string]any) { m["kernelVersion"] = "" }, "kernelVersion is empty"},
		{"bad sha", func(m map[string]any) { pkg(m, 0)["sha256"] = "ABC" }, `"linux-image-6.1.0-99-arm64"): sha256`},
		{"bad arch", func(m map[string]any) { pkg(m, 1)["arch"] = "amd64" }, "arch \"amd64\""},
		{"path disagrees", func(m map[string]any) { pkg(m, 1)["version"] = "1.3-1" }, "does not end in \"raspi-firmware_1.3-1_all.deb\""},
		{"path escapes", func(m map[string]any) {
			pkg(m, 1)["path"] = "pool/../../etc/raspi-firmware_1.2+ds-1_all.deb"
		}, "not a pool/"},
		{"unknown suite", func(m map[string]any) { pkg(m, 1)["suite"] = "sid" }, `no mirror for suite "sid"`},
		{"duplicate", func(m map[string]any) {
			m["packages"] = append(m["packages"].([]any), m["packages"].([]any)[1])
		}, "listed twice"},
		{"bad mirror", func(m map[string]any) { m["mirrors"].(map[string]any)["bookworm"] = "ftp://x" }, "not an http(s) URL"},
		{"no packages", func(m map[string]any) { m["packages"] = []any{} }, "no packages"},
	} {
		var m map[string]any
		if err := json.Unmarshal(base, &m); err != nil {
			t.Fatal(err)
		}
		tc.edit(m)
		b, _ := json.Marshal(m)
		_, err := ParseManifest(b)
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.errHas)
		}
	}
	if _, err := ParseManifest([]byte(`{"kernelVersion":"x"} {}`)); err == nil {
		t.Error("trailing data: no error")
	}
}

func pkg(m map[string]any, i int) map[string]any { return m["packages"].([]any)[i].(map[string]any) }

func TestManifestHash(t *testing.T) {
	m, err := LoadManifest("testdata/manifest-valid.json")
	if err != nil {
		t.Fatal(err)
	}
	h := m.Hash()
	m.Mirrors["bookworm"] = "http://elsewhere.example/debian"
	m.Comment = "changed"
	if m.Hash() != h {
		t.Error("hash depends on mirrors/comment")
	}
	m.Packages[1].Version = "1:1.3-1"
	if m.Hash() == h {
		t.Error("hash ignores the version")
	}
}
