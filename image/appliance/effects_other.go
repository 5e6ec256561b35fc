//go:build !linux

package appliance

// SystemEffects fills in nothing outside Linux: the appliance only runs on
// Linux, but the package builds (and its portable parts test) everywhere.
func SystemEffects(o *Options) {}
