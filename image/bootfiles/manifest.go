// Package bootfiles fetches, verifies and unpacks the pinned Debian packages
// the appliance image is built from: the arm64 kernel (with its modules and
// device trees), the Raspberry Pi boot firmware and the Broadcom Wi-Fi
// firmware.
//
// The pins live in manifest.json (embedded; see DefaultManifest). Fetch
// downloads each .deb straight from the archive's pool over HTTP and checks it
// against the pinned SHA-256, caching it outside the repository (CacheDir), so
// a warm build needs no network. Unpack extracts the packages with dpkg-deb and
// generates modules.dep with depmod, caching the tree by manifest hash.
// ModuleClosure and WriteTrimmedDeps turn a list of module names into the
// files and the trimmed modules.dep an initramfs needs.
package bootfiles

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
)

// Package is one pinned Debian binary package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`   // "arm64" or "all"
	SHA256  string `json:"sha256"` // of the .deb, lower-case hex
	Size    int64  `json:"size,omitempty"`
	Path    string `json:"path"`  // in the archive, "pool/..."
	Suite   string `json:"suite"` // key into Manifest.Mirrors, e.g. "bookworm-security"
}

// FileName is the base name of the .deb (as in the pool).
func (p Package) FileName() string { return path.Base(p.Path) }

// Manifest is the parsed manifest.json.
type Manifest struct {
	Comment string `json:"comment,omitempty"`
	// KernelVersion is the kernel release (uname -r), e.g. "6.1.0-57-arm64";
	// the manifest must pin the package "linux-image-" + KernelVersion.
	KernelVersion string `json:"kernelVersion"`
	// Mirrors maps a suite to the archive root its pool paths are relative
	// to, e.g. "bookworm-security" -> "http://deb.debian.org/debian-security".
	Mirrors  map[string]string `json:"mirrors"`
	Packages []Package         `json:"packages"`
}

//go:embed manifest.json
var defaultManifest []byte

// DefaultManifest returns the manifest.json committed next to this package
// (embedded at build time, so callers need no path to it).
func DefaultManifest() (*Manifest, error) {
	m, err := ParseManifest(defaultManifest)
	if err != nil {
		return nil, fmt.Errorf("embedded manifest.json: %w", err)
	}
	return m, nil
}

// LoadManifest reads and validates a manifest file.
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseManifest decodes and validates manifest JSON. Unknown fields are errors
// (a misspelt key must not silently unpin anything).
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parsing manifest: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parsing manifest: trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

var (
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	pkgNameRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	versionRe  = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)
	poolPathRe = regexp.MustCompile(`^pool/[A-Za-z0-9._+~/-]+\.deb$`)
)

// Validate checks every field; the error names the offending package.
func (m *Manifest) Validate() error {
	var errs []error
	if m.KernelVersion == "" {
		errs = append(errs, errors.New("kernelVersion is empty"))
	}
	for suite, u := range m.Mirrors {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			errs = append(errs, fmt.Errorf("mirror for suite %q: %q is not an http(s) URL", suite, u))
		}
	}
	if len(m.Packages) == 0 {
		errs = append(errs, errors.New("no packages"))
	}
	seen := map[string]bool{}
	kernel := false
	for i, p := range m.Packages {
		where := fmt.Sprintf("package %d (%q)", i, p.Name)
		if !pkgNameRe.MatchString(p.Name) {
			errs = append(errs, fmt.Errorf("%s: invalid name", where))
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s: listed twice", where))
		}
		seen[p.Name] = true
		if p.Name == "linux-image-"+m.KernelVersion {
			kernel = true
		}
		if !versionRe.MatchString(p.Version) {
			errs = append(errs, fmt.Errorf("%s: invalid version %q", where, p.Version))
		}
		if p.Arch != "arm64" && p.Arch != "all" {
			errs = append(errs, fmt.Errorf("%s: arch %q is neither arm64 nor all", where, p.Arch))
		}
		if !sha256Re.MatchString(p.SHA256) {
			errs = append(errs, fmt.Errorf("%s: sha256 %q is not 64 lower-case hex digits", where, p.SHA256))
		}
		if p.Size < 0 {
			errs = append(errs, fmt.Errorf("%s: negative size", where))
		}
		if !poolPathRe.MatchString(p.Path) || strings.Contains(p.Path, "..") || strings.Contains(p.Path, "//") {
			errs = append(errs, fmt.Errorf("%s: path %q is not a pool/....deb path", where, p.Path))
		} else if want := p.Name + "_" + stripEpoch(p.Version) + "_" + p.Arch + ".deb"; p.FileName() != want {
			errs = append(errs, fmt.Errorf("%s: path %q does not end in %q (name, version and arch must agree)", where, p.Path, want))
		}
		if p.Suite == "" {
			errs = append(errs, fmt.Errorf("%s: suite is empty", where))
		} else if _, ok := m.Mirrors[p.Suite]; !ok {
			errs = append(errs, fmt.Errorf("%s: no mirror for suite %q", where, p.Suite))
		}
	}
	if m.KernelVersion != "" && !kernel {
		errs = append(errs, fmt.Errorf("kernelVersion %q: no package linux-image-%s is pinned", m.KernelVersion, m.KernelVersion))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid manifest: %w", errors.Join(errs...))
	}
	return nil
}

func stripEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		return v[i+1:]
	}
	return v
}

// Package returns the pinned package with the given name.
func (m *Manifest) Package(name string) (Package, bool) {
	for _, p := range m.Packages {
		if p.Name == name {
			return p, true
		}
	}
	return Package{}, false
}

// URL is where p is downloaded from.
func (m *Manifest) URL(p Package) string {
	return strings.TrimRight(m.Mirrors[p.Suite], "/") + "/" + p.Path
}

// unpackFormat is part of the tree hash: bump it whenever Unpack produces a
// different tree from the same packages (new post-processing step, ...).
const unpackFormat = "bootfiles-tree-1"

// Hash identifies the unpacked tree: it covers the kernel version and each
// package's name, version, arch and sha256 (not mirrors or comments).
func (m *Manifest) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", unpackFormat, m.KernelVersion)
	for _, p := range m.Packages {
		fmt.Fprintf(h, "%s %s %s %s\n", p.Name, p.Version, p.Arch, p.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MarshalIndent renders the manifest as committed (two-space indent, final
// newline).
func (m *Manifest) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
