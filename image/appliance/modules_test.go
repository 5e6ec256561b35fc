package appliance

import (
	"reflect"
	"strings"
	"testing"
)

func TestModuleListAndLoad(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"lib/modules-load.d/10-virt.conf": "# QEMU virt\nvirtio_pci\nvirtio-net\n",
		"lib/modules-load.d/20-pi.conf":   "bcm2835\n\n; comment\nvfat\nnls_cp437\nnls_ascii\n",
		"etc/calendarbot/modules":         "virtio_net\nasix\nsmsc95xx\n",
		"proc/modules":                    "virtio_pci 20480 0 - Live 0x0\n",
	})
	list := ModuleList(root)
	want := []string{"virtio_pci", "virtio-net", "bcm2835", "vfat", "nls_cp437", "nls_ascii", "asix", "smsc95xx"}
	if !reflect.DeepEqual(list, want) {
		t.Fatalf("list = %q", list)
	}
	c, out := testConsole()
	l := &fakeLoader{missing: map[string]bool{"bcm2835": true}, fail: map[string]bool{"asix": true}}
	LoadModules(c, root, l)
	if want := []string{"virtio-net", "vfat", "nls_cp437", "nls_ascii", "smsc95xx"}; !reflect.DeepEqual(l.loaded, want) {
		t.Errorf("loaded %q", l.loaded)
	}
	for _, s := range []string{"bcm2835 is not in this image: skipped", "asix failed to load: exec format error (skipped)", "5 loaded now, 1 already loaded, 1 missing, 1 failed"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, out)
		}
	}
}
