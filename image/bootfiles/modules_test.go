package bootfiles

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const fixtureModules = "testdata/modules"

func TestModuleClosureOrder(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"alpha"}, []string{"kernel/c/gamma.ko", "kernel/b/beta-mod.ko", "kernel/a/alpha.ko"}},
		// '-' and '_' are interchangeable both ways; ".ko" is optional;
		// a module already loaded as a dependency is listed once.
		{[]string{"beta_mod", "delta-x", "eps.ko", "alpha"}, []string{
			"kernel/c/gamma.ko", "kernel/b/beta-mod.ko", "kernel/d/delta_x.ko", "kernel/e/eps.ko", "kernel/a/alpha.ko"}},
		// Built-in modules need no file.
		{[]string{"inside_mod", "gamma"}, []string{"kernel/c/gamma.ko"}},
		{nil, nil},
	} {
		got, err := ModuleClosure(fixtureModules, tc.names)
		if err != nil {
			t.Errorf("ModuleClosure(%q): %v", tc.names, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ModuleClosure(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}

func TestModuleClosureErrors(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"gamma", "nosuch", "other"}, "no such module in modules.dep (nor built in): nosuch, other"},
		{[]string{"cyc2"}, "module dependency cycle: cyc2 -> cyc3 -> cyc1 -> cyc2"},
		{[]string{"broken"}, "lists kernel/nowhere/ghost.ko as a dependency of kernel/broken/broken.ko but has no entry"},
	} {
		_, err := ModuleClosure(fixtureModules, tc.names)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ModuleClosure(%q) error = %v, want it to contain %q", tc.names, err, tc.want)
		}
	}
	if _, err := ModuleClosure(t.TempDir(), []string{"x"}); err == nil {
		t.Error("ModuleClosure without modules.dep: no error")
	}
}

func TestParseModulesDepRejectsGarbage(t *testing.T) {
	for _, in := range []string{"kernel/a.ko kernel/b.ko\n", ": kernel/b.ko\n", "a.ko:\na.ko:\n"} {
		if _, err := parseModulesDep(strings.NewReader(in), "modules.dep"); err == nil {
			t.Errorf("parseModulesDep(%q): no error", in)
		}
	}
}

func TestWriteTrimmedDeps(t *testing.T) {
	mods, err := ModuleClosure(fixtureModules, []string{"alpha", "eps"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTrimmedDeps(fixtureModules, mods, &buf); err != nil {
		t.Fatal(err)
	}
	want := `kernel/c/gamma.ko:
kernel/b/beta-mod.ko: kernel/c/gamma.ko
kernel/a/alpha.ko: kernel/b/beta-mod.ko kernel/c/gamma.ko
kernel/d/delta_x.ko:
kernel/e/eps.ko: kernel/d/delta_x.ko
`
	if buf.String() != want {
		t.Errorf("trimmed modules.dep:\n%s\nwant:\n%s", buf.String(), want)
	}
	// Every line has a ':' (u-root's kmodule indexes the split unchecked).
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !strings.Contains(l, ":") {
			t.Errorf("line without ':': %q", l)
		}
	}
	// The output parses back to the same closure.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "modules.dep"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := ModuleClosure(dir, []string{"alpha", "eps"})
	if err != nil || !slices.Equal(again, mods) {
		t.Errorf("closure over trimmed file = %q, %v; want %q", again, err, mods)
	}
	// Names work too; a list that is not closed is refused.
	buf.Reset()
	if err := WriteTrimmedDeps(fixtureModules, []string{"gamma", "beta_mod"}, &buf); err != nil {
		t.Errorf("by names: %v", err)
	}
	err = WriteTrimmedDeps(fixtureModules, []string{"alpha"}, &buf)
	if err == nil || !strings.Contains(err.Error(), "alpha needs beta_mod") {
		t.Errorf("unclosed list: error = %v", err)
	}
	if err := WriteTrimmedDeps(fixtureModules, []string{"nosuch"}, &buf); err == nil {
		t.Error("unknown module: no error")
	}
}

func TestModulesSize(t *testing.T) {
	n, err := ModulesSize(fixtureModules, []string{"kernel/c/gamma.ko"})
	if err != nil || n != int64(len("fake module c/gamma\n")) {
		t.Errorf("ModulesSize = %d, %v", n, err)
	}
}
