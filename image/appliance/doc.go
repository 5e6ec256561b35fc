// Package appliance brings a CalendarBot appliance up: it is the body of
// the initramfs's uinit (image/cmd/uinit), which u-root's init starts as
// the last step of the boot.
//
// # Boot sequence
//
// Pi firmware → Linux → u-root init (mounts /proc, /sys, devtmpfs on /dev,
// tmpfs on /tmp, a RAM copy of /etc; brings up lo; loads the modules in
// /lib/modules-load.d) → uinit → Run, which logs every step to the console
// (u-root's init hands uinit the consoles named by console= as stdout and
// stderr; a copy goes to /run/calendarbot/boot.log):
//
//  1. Modules. Every module in /lib/modules-load.d/*.conf and
//     /etc/calendarbot/modules is loaded in order with u-root's kmodule
//     (dependencies from the image's trimmed modules.dep). init has loaded
//     most already; this pass catches the rest and, unlike init, says on
//     the console what is missing. Nothing here is fatal: a missing USB
//     Ethernet driver must not keep the status page off the screen.
//  2. Configuration. The boot partition is the disk whose MBR disk
//     identifier (bytes 440-443) is in /etc/calendarbot/boot-disk-id, or
//     whose first partition has the FAT label CALBOOT, waiting up to 10 s
//     for it to appear (mmcblk0 shows up only after the bcm2835 driver has
//     probed the card). Matching the identifier rather than a device name
//     is robust: the Zero 2 W's device tree has no mmc aliases, so the
//     numbering follows probe order. Its first partition is mounted
//     read-only, nosuid, nodev, noexec (MountBootReadOnly is the only
//     code path that mounts the card and refuses any flags without
//     MS_RDONLY), because the card is only ever read: a device that never
//     writes cannot corrupt its card when the power is pulled.
//     calendarbot.toml is validated with the server's own config.Load. A
//     missing or invalid file is not fatal either: every problem is shown
//     on the console, written to /run/calendarbot/config.json, and the
//     server is started with --sample (the built-in sample calendar), so
//     the device still shows a working page and stays reachable while
//     the user fixes the file on a PC. calendarbot.config=PATH skips the
//     search (QEMU virt has no SD card; the file is in the initramfs).
//  3. Network. The host name is set (from [network] hostname, default
//     "calendarbot") and lo brought up; every wired interface (eth*, en*,
//     usb*) gets DHCPv4 (u-root's dhclient), retried with backoff and
//     renewed at half the lease, or the first one gets the static address
//     of [network]. Interfaces that appear later (a USB adapter plugged in
//     after boot) are picked up. [wifi] is validated and logged (never the
//     PSK); Wi-Fi itself comes later.
//  4. Clock. The Pi has no real-time clock and boots in 1970, where every
//     TLS certificate looks "not yet valid". The clock is first moved
//     forward to the image's build time (/etc/calendarbot/build-time),
//     which is never later than the truth, then set by SNTP (RFC 4330,
//     a small client in this package) from [clock] ntp or pool.ntp.org.
//     The server is started only when the clock is plausible: after NTP
//     answered, or after calendarbot.clockwait (20 s) with a loud "CLOCK
//     NOT SYNCED" line. A clock that was already past the build time at
//     boot was set by a real-time clock (QEMU) and is trusted; without
//     a network there is nobody to ask, and the server starts at once.
//     NTP then runs in the background (hourly). The state is in
//     /run/calendarbot/clock.json.
//  5. Server. /bin/calendarbot is started with --config FILE (or --sample)
//     --listen 0.0.0.0:PORT and the arguments from calendarbot.args, its
//     output prefixed "server | " on the console and kept in
//     /run/calendarbot/server.log (1 MiB, rotated once). It is restarted
//     when it exits, after 1 s, doubling to 60 s while it keeps failing;
//     a run of a minute resets the backoff.
//  6. Watchdog. If /dev/watchdog exists it is armed with a 15 s timeout
//     and pinged every 5 s while the supervisor runs; a wedged or dead
//     uinit resets the board. A crash-looping server does not: a reboot
//     would not fix it and a reboot loop would hide the error. On a clean
//     shutdown the magic 'V' disarms it.
//
// Everything that touches the system is behind a small interface
// (ModuleLoader, Mounter, Network, Clock, Starter, WatchdogOpener,
// DialFunc, and Options.Root for files and Options.After for time), with
// the real implementations in *_linux.go, so the logic is tested on any
// OS without root. See README.md for the kernel command line knobs and
// what the console shows.
package appliance
