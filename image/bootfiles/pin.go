package bootfiles

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DebianKeyring is the keyring apt verifies the archive's Release files with
// when resolving pins (package debian-archive-keyring).
const DebianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// kernelMeta is the metapackage whose dependency names the current kernel ABI.
const kernelMeta = "linux-image-arm64"

// Resolve looks up the newest version of every package in m with apt, using
// a private configuration under workDir (its own sources.list, lists, cache
// and status; the host's apt state is neither read nor changed) that verifies
// the archive signatures with DebianKeyring. The kernel entry is replaced by
// the package linux-image-arm64 currently depends on (a new ABI renames it).
// It returns the updated manifest; nothing is written or downloaded besides
// the package indexes. The .deb hashes come from the signed indexes; Fetch
// checks the downloads against them.
func Resolve(ctx context.Context, m *Manifest, workDir string, log io.Writer) (*Manifest, error) {
	if log == nil {
		log = io.Discard
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	aptGet, err := findTool("apt-get", "apt")
	if err != nil {
		return nil, err
	}
	aptCache, err := findTool("apt-cache", "apt")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(DebianKeyring); err != nil {
		return nil, &ToolError{Tool: DebianKeyring, DebianPackage: "debian-archive-keyring"}
	}
	opts, err := privateApt(m, workDir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "bootfiles: apt-get update (private configuration in %s)\n", workDir)
	if out, err := aptOutput(ctx, aptGet, opts, "update"); err != nil {
		return nil, fmt.Errorf("apt-get update: %w\n%s", err, out)
	} else if bytes.Contains(out, []byte("\nE: ")) || bytes.HasPrefix(out, []byte("E: ")) || bytes.Contains(out, []byte("GPG error")) {
		return nil, fmt.Errorf("apt-get update reported problems:\n%s", out)
	}

	show := func(name string) (map[string]string, error) {
		out, err := aptOutput(ctx, aptCache, opts, "show", "--no-all-versions", name)
		if err != nil {
			return nil, fmt.Errorf("apt-cache show %s: %w\n%s", name, err, out)
		}
		return parseStanza(out), nil
	}

	nm := *m
	nm.Mirrors = m.Mirrors
	nm.Packages = nil
	oldKernel := "linux-image-" + m.KernelVersion
	for _, p := range m.Packages {
		name := p.Name
		if name == oldKernel {
			meta, err := show(kernelMeta)
			if err != nil {
				return nil, err
			}
			dep := regexp.MustCompile(`\blinux-image-([0-9][^ ,()]*-arm64)\b`).FindStringSubmatch(meta["Depends"])
			if dep == nil {
				return nil, fmt.Errorf("%s %s: no linux-image-*-arm64 in Depends %q", kernelMeta, meta["Version"], meta["Depends"])
			}
			name = "linux-image-" + dep[1]
			nm.KernelVersion = dep[1]
		}
		f, err := show(name)
		if err != nil {
			return nil, err
		}
		size, _ := strconv.ParseInt(f["Size"], 10, 64)
		np := Package{Name: f["Package"], Version: f["Version"], Arch: f["Architecture"],
			SHA256: f["SHA256"], Size: size, Path: f["Filename"]}
		if np.Name != name {
			return nil, fmt.Errorf("apt-cache show %s returned package %q", name, np.Name)
		}
		// Which mirror (suite) serves it: ask apt for the URL.
		out, err := aptOutput(ctx, aptGet, opts, "download", "--print-uris", name+"="+np.Version)
		if err != nil {
			return nil, fmt.Errorf("apt-get download --print-uris %s: %w\n%s", name, err, out)
		}
		// Lines look like: 'URL' file size SHA256:hex, the URL %-escaped.
		for _, line := range strings.Split(string(out), "\n") {
			q, _, ok := strings.Cut(strings.TrimPrefix(line, "'"), "'")
			if !ok || !strings.HasPrefix(line, "'") {
				continue
			}
			u, err := url.PathUnescape(q)
			if err != nil {
				continue
			}
			for suite, base := range m.Mirrors {
				if u == strings.TrimRight(base, "/")+"/"+np.Path {
					np.Suite = suite
				}
			}
		}
		if np.Suite == "" {
			return nil, fmt.Errorf("%s: no mirror in the manifest serves %s:\n%s", name, np.Path, out)
		}
		if np != p {
			fmt.Fprintf(log, "bootfiles: %s %s -> %s %s\n", p.Name, p.Version, np.Name, np.Version)
		} else {
			fmt.Fprintf(log, "bootfiles: %s %s is current\n", p.Name, p.Version)
		}
		nm.Packages = append(nm.Packages, np)
	}
	if err := nm.Validate(); err != nil {
		return nil, fmt.Errorf("resolved manifest: %w", err)
	}
	return &nm, nil
}

// privateApt writes the private apt configuration and returns the -o
// options selecting it. Only arm64 indexes are fetched: Debian lists the
// Architecture: all packages in them too.
func privateApt(m *Manifest, dir string) ([]string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"lists/partial", "cache/archives/partial", "sources.list.d", "preferences.d"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	var src strings.Builder
	suites := make([]string, 0, len(m.Mirrors))
	for s := range m.Mirrors {
		suites = append(suites, s)
	}
	slices.Sort(suites)
	for _, s := range suites {
		fmt.Fprintf(&src, "deb [arch=arm64 signed-by=%s] %s %s main non-free-firmware\n", DebianKeyring, m.Mirrors[s], s)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources.list"), []byte(src.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "status"), nil, 0o644); err != nil {
		return nil, err
	}
	opts := []string{
		"Dir::Etc::SourceList=" + filepath.Join(dir, "sources.list"),
		"Dir::Etc::SourceParts=" + filepath.Join(dir, "sources.list.d"),
		"Dir::Etc::Preferences=" + filepath.Join(dir, "preferences"),
		"Dir::Etc::PreferencesParts=" + filepath.Join(dir, "preferences.d"),
		"Dir::State=" + dir,
		"Dir::State::Lists=" + filepath.Join(dir, "lists"),
		"Dir::State::status=" + filepath.Join(dir, "status"),
		"Dir::Cache=" + filepath.Join(dir, "cache"),
		"APT::Architecture=arm64",
		"Acquire::Languages=none",
		"Debug::NoLocking=true",
	}
	if os.Geteuid() == 0 {
		// The _apt sandbox user cannot write into a root-owned private dir.
		opts = append(opts, "APT::Sandbox::User=root")
	}
	return opts, nil
}

func aptOutput(ctx context.Context, tool string, opts []string, args ...string) ([]byte, error) {
	var argv []string
	for _, o := range opts {
		argv = append(argv, "-o", o)
	}
	cmd := exec.CommandContext(ctx, tool, append(argv, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// parseStanza reads the first deb822 stanza (continuation lines folded).
func parseStanza(b []byte) map[string]string {
	f := map[string]string{}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" {
			if len(f) > 0 {
				break
			}
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && last != "" {
			f[last] += "\n" + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		last = k
		f[k] = strings.TrimSpace(v)
	}
	return f
}
