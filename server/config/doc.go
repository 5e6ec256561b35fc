// Package config builds CalendarBot's configuration from a TOML file,
// CALENDARBOT_* environment variables and command-line flags.
//
// # Precedence
//
// Each setting is taken from the first of these that sets it:
//
//  1. a command-line flag (--refresh=10m),
//  2. an environment variable (CALENDARBOT_REFRESH=10m),
//  3. the TOML file named by --config or CALENDARBOT_CONFIG
//     (refresh = "10m"),
//  4. the built-in default (Default).
//
// So the file holds the installation's settings, the environment adapts
// them to a deployment (a container, a systemd unit) and flags override
// both for one run. Feeds are a list and are replaced as a whole: feeds
// from flags (--feed NAME=URL, repeatable) replace those from the
// environment (CALENDARBOT_FEEDS=NAME=URL,NAME=URL), which replace the
// file's [[feed]] tables; lists are never merged, because a merged list
// cannot express "only these". Feeds from flags and the environment can
// only have a name and a URL; authentication, colours and headers need the
// file. The appliance's sections ([wifi], [network], [clock]) are read
// from the file only. Empty environment variables count as unset.
//
// Every value is checked where it is given, even if a higher source
// overrides it: a broken file is reported as broken. Load collects all
// problems of all sources before returning, as an *Error that lists them
// one per line, each naming its source: "FILE:LINE" (and column, for TOML
// syntax errors) for the file, the variable for the environment, the flag
// for the command line. Unknown keys, flags and (near-miss) CALENDARBOT_*
// variables are errors, with the closest known name suggested, because a
// misspelt setting that is silently ignored costs far more time than an
// error. CheckFile applies the same checks to a file on its own (for
// `calendarbot check-config`).
//
// # Secrets
//
// Feed URLs routinely are credentials: Outlook, Google and iCloud publish
// calendars at URLs containing a token, in the path or the query string,
// and anyone with the URL can read the calendar. Together with passwords,
// bearer tokens, extra header values (API keys), the admin and Alexa
// tokens and the Wi-Fi PSK, they must not leak through the places where
// text escapes an appliance: logs, error pages, support requests and
// screenshots of the kiosk. Hence:
//
//   - Error messages never contain a secret value. Problems with a secret
//     describe it ("wifi.psk must be 8 to 63 characters (it has 5)")
//     instead of quoting it, and values that failed validation are quoted
//     only after RedactURL, because a value in the wrong place (a URL in a
//     name field) may be a secret too. Errors from url.Parse, which quote
//     the whole URL, are never passed on, and neither is go-toml's
//     contextual error text, which quotes the offending line.
//   - RedactURL removes user info, the query string and the fragment of a
//     URL, where tokens usually are. Tokens in the path stay: a URL without
//     its path no longer identifies the feed, and a user comparing an error
//     with the configuration needs that. Other packages must pass every
//     feed URL they print through RedactURL, and should prefer Feed.Name,
//     which exists so that users see a name instead of a URL.
//   - Config.Redacted returns a copy fit for logging or a /config page,
//     with secrets replaced by "***".
//   - User info in a feed URL (https://user:pass@host/...) is moved into
//     Feed.Username and Feed.Password, so that Feed.URL carries no password.
//
// Secrets on the command line are visible to every local user (ps, the
// shell history); the flags exist for tests and one-off runs, and the
// environment or a file readable only by CalendarBot is the place for them.
package config
