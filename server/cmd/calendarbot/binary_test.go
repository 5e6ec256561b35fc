package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkerKeepsDeadMethods guards the server's memory budget. When any
// reachable code calls reflect.Value.Method or MethodByName (text/template
// and html/template do), the linker must keep every exported method of every
// type that reaches an interface: the binary grew by 2.5 MB (19 %) and the
// resident set by ~2 MiB the last time that happened (docs/PERFORMANCE.md).
// The linker's dependency dump marks the culprit <ReflectMethod>.
func TestLinkerKeepsDeadMethods(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server binary")
	}
	bin := filepath.Join(t.TempDir(), "calendarbot")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -dumpdep", "-o", bin, ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(out.String()))
	}
	edges := 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, " -> ") {
			edges++
		}
		if strings.Contains(line, "<ReflectMethod>") {
			t.Errorf("the linker keeps every exported method because of: %s\n"+
				"(a call of reflect.Value.Method/MethodByName, e.g. text/template or html/template, is reachable from the server)", line)
		}
	}
	if edges < 1000 {
		t.Fatalf("the linker's dependency dump has %d edges: -dumpdep no longer works as this test expects\n%s", edges, tail(out.String()))
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
