//go:build linux

package appliance

import (
	"fmt"
	"strings"
	"sync"

	"github.com/u-root/u-root/pkg/kmodule"
)

// kmoduleLoader loads modules with u-root's kmodule, which resolves
// dependencies from /lib/modules/$(uname -r)/modules.dep (the image's
// trimmed one) and skips modules already in /proc/modules.
type kmoduleLoader struct {
	once   sync.Once
	prober *kmodule.Prober
	err    error
}

func (k *kmoduleLoader) Load(name string) error {
	k.once.Do(func() {
		k.prober, k.err = kmodule.NewProber(kmodule.ProbeOpts{})
	})
	if k.err != nil {
		return fmt.Errorf("no usable modules.dep: %w", k.err)
	}
	err := k.prober.Probe(name, "")
	if err != nil && strings.Contains(err.Error(), "could not find module path") {
		return fmt.Errorf("%w: %v", ErrModuleNotFound, err)
	}
	return err
}
