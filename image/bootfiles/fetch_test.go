package bootfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeArchive serves files under /debian/ on 127.0.0.1 and counts requests.
type fakeArchive struct {
	srv   *httptest.Server
	files map[string][]byte // pool path -> content
	hits  atomic.Int32
}

func newFakeArchive(t *testing.T, files map[string][]byte) *fakeArchive {
	a := &fakeArchive{files: files}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		b, ok := a.files[strings.TrimPrefix(r.URL.Path, "/debian/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// fakeManifest pins two packages whose content is served by a.
func fakeManifest(a *fakeArchive) *Manifest {
	m := &Manifest{KernelVersion: "6.1.0-99-arm64", Mirrors: map[string]string{"bookworm": a.srv.URL + "/debian"}}
	for _, name := range []string{"linux-image-6.1.0-99-arm64", "raspi-firmware"} {
		content := []byte("content of " + name)
		path := fmt.Sprintf("pool/main/x/%s/%s_1.0-1_all.deb", name, name)
		a.files[path] = content
		m.Packages = append(m.Packages, Package{Name: name, Version: "1.0-1", Arch: "all",
			SHA256: sum(content), Size: int64(len(content)), Path: path, Suite: "bookworm"})
	}
	return m
}

func TestFetchAndCacheHit(t *testing.T) {
	a := newFakeArchive(t, map[string][]byte{})
	m := fakeManifest(a)
	cache := t.TempDir()
	var log strings.Builder
	debs, err := Fetch(context.Background(), m, cache, &log)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Packages {
		b, err := os.ReadFile(debs[p.Name])
		if err != nil || sum(b) != p.SHA256 {
			t.Errorf("%s: %v", p.Name, err)
		}
		if filepath.Dir(debs[p.Name]) != filepath.Join(cache, "debs") {
			t.Errorf("%s cached at %s", p.Name, debs[p.Name])
		}
	}
	if a.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", a.hits.Load())
	}
	// Warm: no network at all (the server is gone).
	a.srv.Close()
	debs2, err := Fetch(context.Background(), m, cache, &log)
	if err != nil {
		t.Fatalf("warm fetch without network: %v", err)
	}
	if fmt.Sprint(debs2) != fmt.Sprint(debs) {
		t.Errorf("warm fetch = %v, want %v", debs2, debs)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cache, "debs", ".download-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestFetchHashMismatch(t *testing.T) {
	a := newFakeArchive(t, map[string][]byte{})
	m := fakeManifest(a)
	p := m.Packages[1]
	a.files[p.Path] = []byte("tampered content!!!!!!!!!")[:p.Size] // same size, other bytes
	cache := t.TempDir()
	_, err := Fetch(context.Background(), m, cache, nil)
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("error = %v, want a HashMismatchError", err)
	}
	got := sum(a.files[p.Path])
	for _, s := range []string{"raspi-firmware=1.0-1", p.SHA256, got} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "debs", p.FileName())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a mismatching download was kept: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "debs", ".download-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFetchCorruptCacheIsReplaced(t *testing.T) {
	a := newFakeArchive(t, map[string][]byte{})
	m := fakeManifest(a)
	cache := t.TempDir()
	if _, err := Fetch(context.Background(), m, cache, nil); err != nil {
		t.Fatal(err)
	}
	p := m.Packages[0]
	f := filepath.Join(cache, "debs", p.FileName())
	if err := os.WriteFile(f, []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if _, err := Fetch(context.Background(), m, cache, &log); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f); sum(b) != p.SHA256 {
		t.Error("corrupt cached file not replaced")
	}
	if !strings.Contains(log.String(), "downloading again") {
		t.Errorf("log does not mention the corrupt file:\n%s", log.String())
	}
	// Unpack re-verifies too.
	os.WriteFile(f, []byte("bit rot"), 0o644)
	_, err := Unpack(context.Background(), m, map[string]string{p.Name: f, m.Packages[1].Name: filepath.Join(cache, "debs", m.Packages[1].FileName())}, t.TempDir())
	var hm *HashMismatchError
	var te *ToolError
	if !errors.As(err, &hm) && !errors.As(err, &te) {
		t.Errorf("Unpack of a corrupt .deb: %v", err)
	}
}

func TestFetchNotFound(t *testing.T) {
	a := newFakeArchive(t, map[string][]byte{})
	m := fakeManifest(a)
	delete(a.files, m.Packages[0].Path)
	_, err := Fetch(context.Background(), m, t.TempDir(), nil)
	var hs *HTTPStatusError
	if !errors.As(err, &hs) || hs.Code != 404 || !strings.Contains(err.Error(), "update the pin") {
		t.Errorf("error = %v, want a 404 HTTPStatusError suggesting a pin update", err)
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("CALENDARBOT_CACHE", "/tmp/cb-cache")
	if d, _ := CacheDir(); d != "/tmp/cb-cache" {
		t.Errorf("CacheDir = %s with CALENDARBOT_CACHE", d)
	}
	t.Setenv("CALENDARBOT_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg")
	if d, _ := CacheDir(); d != "/tmp/xdg/calendarbot" {
		t.Errorf("CacheDir = %s with XDG_CACHE_HOME", d)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/someone")
	if d, _ := CacheDir(); d != "/home/someone/.cache/calendarbot" {
		t.Errorf("CacheDir = %s with HOME", d)
	}
}
