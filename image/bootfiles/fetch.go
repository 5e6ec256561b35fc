package bootfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// CacheDir is where downloads and unpacked trees are kept, outside the
// repository: $CALENDARBOT_CACHE, else $XDG_CACHE_HOME/calendarbot, else
// ~/.cache/calendarbot (os.UserCacheDir). It is not created here.
func CacheDir() (string, error) {
	if d := os.Getenv("CALENDARBOT_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir() // $XDG_CACHE_HOME or ~/.cache on Linux
	if err != nil {
		return "", fmt.Errorf("no cache directory: set CALENDARBOT_CACHE (%w)", err)
	}
	return filepath.Join(d, "calendarbot"), nil
}

// HashMismatchError reports a .deb whose SHA-256 is not the pinned one.
type HashMismatchError struct {
	Package string // name=version
	File    string
	Want    string // pinned
	Got     string // actual
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: sha256 mismatch for %s: manifest pins %s, file has %s", e.Package, e.File, e.Want, e.Got)
}

// HTTPStatusError is a non-200 answer from the mirror.
type HTTPStatusError struct {
	URL    string
	Status string
	Code   int
}

func (e *HTTPStatusError) Error() string {
	msg := fmt.Sprintf("GET %s: %s", e.URL, e.Status)
	if e.Code == http.StatusNotFound {
		msg += " (the pinned version has probably been removed from the archive: update the pin, see image/bootfiles/README.md)"
	}
	return msg
}

// debDir is where Fetch keeps .deb files.
func debDir(cacheDir string) string { return filepath.Join(cacheDir, "debs") }

// Fetch makes sure every pinned package is in cacheDir (CacheDir() if empty)
// with the pinned SHA-256 and returns package name -> .deb path. A cached file
// is re-hashed on every call and used without any network access; only
// missing (or corrupt) files are downloaded. Progress goes to log (may be nil).
func Fetch(ctx context.Context, m *Manifest, cacheDir string, log io.Writer) (map[string]string, error) {
	if log == nil {
		log = io.Discard
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if cacheDir == "" {
		d, err := CacheDir()
		if err != nil {
			return nil, err
		}
		cacheDir = d
	}
	dir := debDir(cacheDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	debs := make(map[string]string, len(m.Packages))
	for _, p := range m.Packages {
		dst := filepath.Join(dir, p.FileName())
		got, err := fileSHA256(dst)
		switch {
		case err == nil && got == p.SHA256:
			debs[p.Name] = dst
			continue
		case err == nil:
			fmt.Fprintf(log, "bootfiles: cached %s has sha256 %s, pinned %s: downloading again\n", dst, got, p.SHA256)
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
		if err := download(ctx, m.URL(p), p, dst, log); err != nil {
			return nil, err
		}
		debs[p.Name] = dst
	}
	return debs, nil
}

// download fetches url into dst through a temporary file in the same
// directory, hashing as it writes; dst only ever appears complete and
// verified. One retry on transport errors.
func download(ctx context.Context, url string, p Package, dst string, log io.Writer) error {
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		start := time.Now()
		fmt.Fprintf(log, "bootfiles: GET %s\n", url)
		var n int64
		n, err = downloadOnce(ctx, url, p, dst)
		if err == nil {
			fmt.Fprintf(log, "bootfiles: %s=%s: %.1f MB in %s, sha256 ok\n", p.Name, p.Version, float64(n)/1e6, time.Since(start).Round(time.Millisecond))
			return nil
		}
		var hm *HashMismatchError
		var hs *HTTPStatusError
		if errors.As(err, &hm) || errors.As(err, &hs) || ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(log, "bootfiles: %v (attempt %d)\n", err, attempt)
	}
	return fmt.Errorf("downloading %s=%s: %w", p.Name, p.Version, err)
}

func downloadOnce(ctx context.Context, url string, p Package, dst string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &HTTPStatusError{URL: url, Status: resp.Status, Code: resp.StatusCode}
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("GET %s: %w", url, err)
	}
	if p.Size > 0 && n != p.Size {
		return n, fmt.Errorf("GET %s: got %d bytes, manifest says %d", url, n, p.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != p.SHA256 {
		return n, &HashMismatchError{Package: p.Name + "=" + p.Version, File: url, Want: p.SHA256, Got: got}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), dst)
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verifyDebs checks that debs has every pinned package with the pinned hash.
func verifyDebs(m *Manifest, debs map[string]string) error {
	for _, p := range m.Packages {
		f, ok := debs[p.Name]
		if !ok {
			return fmt.Errorf("no .deb for %s=%s (run Fetch first)", p.Name, p.Version)
		}
		got, err := fileSHA256(f)
		if err != nil {
			return err
		}
		if got != p.SHA256 {
			return &HashMismatchError{Package: p.Name + "=" + p.Version, File: f, Want: p.SHA256, Got: got}
		}
	}
	return nil
}
