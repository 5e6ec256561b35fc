package tz

// The appliance image ships no zoneinfo files (/usr/share/zoneinfo is
// absent), so without the embedded copy of the IANA database every
// time.LoadLocation call would fail and all zoned events would degrade to
// floating time. Importing time/tzdata links the database (about 450 KB)
// into every binary that uses this package, making LoadLocation work
// everywhere. Where a system database exists (developer machines) Go
// prefers it; the ZONEINFO environment variable can pin a specific one.
import _ "time/tzdata"
