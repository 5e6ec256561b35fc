#!/usr/bin/env bash
# Release check (issue 5): builds the release with the pinned goreleaser and
# smoke-tests the result. Run by `make release-check`.
#
#   1. goreleaser v$GORELEASER_VERSION as a Go module, compiled once into
#      $CALENDARBOT_TOOLS (default ~/.cache/calendarbot/tools) and reused;
#   2. goreleaser check (fails on errors and on deprecated settings);
#   3. goreleaser release --snapshot --clean: the builds of
#      `goreleaser build --snapshot` plus archives and checksums, into dist/;
#      nothing is published, no git remote or network needed (a git clone is);
#   4. smoke tests: version injection, check-config, an expand golden, ELF/
#      Mach-O headers (static, right machine), archive contents, checksums;
#   5. systemd-analyze verify (and offline security score) of the unit.
#      Without systemd-analyze: skipped loudly; under CI=true it is
#      installed (apt-get), and still missing is a failure.
#
# Exits non-zero on any failure.
set -uo pipefail

GORELEASER_VERSION=2.15.1
GO=${GO:-go}
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
TOOLS=${CALENDARBOT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/calendarbot/tools}
GR_DIR=$TOOLS/goreleaser-v$GORELEASER_VERSION
GR=$GR_DIR/goreleaser
# A small golden case without a .args sidecar (default window), with time
# zones and DST, so it also proves the static binary carries its tz data.
CASE=server/calendar/testdata/cases/tz-dst-ambiguous-us

fails=()
results=()
timings=()
pass() { results+=("PASS  $1"); echo "release-check: PASS $1"; }
fail() { results+=("FAIL  $1"); fails+=("$1"); echo "release-check: FAIL $1" >&2; }
skip() { results+=("SKIP  $1"); echo "release-check: SKIP $1" >&2; }
now() { date +%s; }
summary() {
	echo
	echo "== release-check summary =="
	printf '  %s\n' "${timings[@]}"
	printf '  %s\n' "${results[@]}"
	if [ ${#fails[@]} -gt 0 ]; then
		echo "release-check: ${#fails[@]} failure(s)"
		exit 1
	fi
	echo "release-check: OK"
	exit 0
}
fatal() { fail "$1"; summary; }

# --- 1. goreleaser --------------------------------------------------------
t0=$(now)
if [ -x "$GR" ] && "$GR" --version 2>/dev/null | grep -q "GitVersion:.*v\?$GORELEASER_VERSION"; then
	echo "release-check: using $GR"
	timings+=("goreleaser compile: cached")
else
	echo "release-check: compiling goreleaser v$GORELEASER_VERSION into $GR_DIR (first time only, ~7 min)"
	mkdir -p "$TOOLS" || fatal "create $TOOLS"
	tmp=$(mktemp -d "$TOOLS/.goreleaser.XXXXXX") || fatal "mktemp in $TOOLS"
	# Outside the module, so neither its go.mod nor GOFLAGS (-mod=...) apply.
	if (cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS= "$GO" install "github.com/goreleaser/goreleaser/v2@v$GORELEASER_VERSION"); then
		rm -rf "$GR_DIR" && mkdir -p "$GR_DIR" && mv "$tmp/bin/goreleaser" "$GR"
		rm -rf "$tmp"
	else
		rm -rf "$tmp"
		fatal "go install goreleaser v$GORELEASER_VERSION"
	fi
	timings+=("goreleaser compile: $(($(now) - t0))s")
fi
"$GR" --version 2>/dev/null | grep -q "$GORELEASER_VERSION" || fatal "goreleaser --version is not $GORELEASER_VERSION"

# --- 2. check -------------------------------------------------------------
if "$GR" check; then pass "goreleaser check"; else fatal "goreleaser check"; fi

# --- 3. snapshot build ----------------------------------------------------
git rev-parse --verify -q HEAD >/dev/null || fatal "not a git clone with a commit (goreleaser needs one)"
# Without a git remote goreleaser (2.15.1) still builds a snapshot but drops
# all git information (commit "none", date 0001-01-01): give git a remote
# URL through the environment only, for this run (nothing is contacted;
# `git ls-remote --get-url` just prints it).
if [ -z "$(git remote)" ]; then
	echo "release-check: no git remote; using remote.origin.url=https://github.com/calendarbot/calendarbot.git for this run only"
	n=${GIT_CONFIG_COUNT:-0}
	export "GIT_CONFIG_KEY_$n=remote.origin.url" "GIT_CONFIG_VALUE_$n=https://github.com/calendarbot/calendarbot.git"
	export GIT_CONFIG_COUNT=$((n + 1))
fi
t0=$(now)
if "$GR" release --snapshot --clean; then
	pass "goreleaser release --snapshot --clean"
else
	fatal "goreleaser release --snapshot --clean"
fi
timings+=("snapshot build: $(($(now) - t0))s")

# --- 4. smoke tests -------------------------------------------------------
t0=$(now)
one() { # the single path matching a glob, or ""
	local m=( $1 )
	if [ ${#m[@]} -eq 1 ] && [ -e "${m[0]}" ]; then echo "${m[0]}"; fi
}
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -1)
commit=$(git rev-parse HEAD)
[ -n "$version" ] || fail "version from dist/metadata.json"

# The binary for this machine.
hostarch=$("$GO" env GOARCH)
case $hostarch in
amd64) hostbin=$(one 'dist/calendarbot_linux_amd64*/calendarbot') ;;
arm64) hostbin=$(one 'dist/calendarbot_linux_arm64*/calendarbot') ;;
arm) hostbin=$(one 'dist/calendarbot_linux_arm_7*/calendarbot') ;;
*) hostbin= ;;
esac
if [ "$("$GO" env GOOS)" != linux ] || [ -z "$hostbin" ]; then
	skip "running the binary (no linux/$hostarch build for this machine)"
else
	out=$("$hostbin" version 2>&1)
	if [[ $out == "calendarbot $version (commit $commit, built "* ]] && [[ $out != *"built unknown)" ]]; then
		pass "version: $out"
	else
		fail "version: got '$out', want 'calendarbot $version (commit $commit, ...)'"
	fi
	# CGO off and -trimpath, as recorded in the binary (with -trimpath Go
	# does not record -ldflags).
	info=$("$GO" version -m "$hostbin" 2>&1)
	if grep -q 'CGO_ENABLED=0' <<<"$info" && grep -q -- '-trimpath=true' <<<"$info"; then
		pass "build info: CGO_ENABLED=0, -trimpath"
	else
		fail "build info (go version -m $hostbin): CGO_ENABLED=0 / -trimpath missing"
	fi
	# -X main.version and -X .../feed.Version each add their own copy of the
	# string (the linker does not merge them): 2 copies = both applied.
	ncopies=$(grep -aoF -- "$version" "$hostbin" | wc -l)
	if [ "$ncopies" -ge 2 ]; then
		pass "feed.Version injected ($ncopies copies of $version in the binary)"
	else
		fail "feed.Version not injected: $ncopies copy of $version in the binary, want 2"
	fi
	if out=$("$hostbin" check-config server/config/testdata/example.toml 2>&1); then
		pass "check-config example.toml"
	else
		fail "check-config example.toml: $out"
	fi
	got=$(mktemp)
	if "$hostbin" expand "$CASE.ics" --from 2024-01-01T00:00:00Z --to 2028-01-01T00:00:00Z >"$got" 2>&1 && cmp -s "$got" "$CASE.jsonl"; then
		pass "expand $(basename "$CASE") = golden ($(wc -l <"$got") lines)"
	else
		fail "expand $(basename "$CASE") differs from $CASE.jsonl"
		diff "$CASE.jsonl" "$got" | head -20 >&2
	fi
	rm -f "$got"
fi

# ELF header checks without extra tools: class, machine, no PT_INTERP.
u() { # u FILE OFFSET SIZE: little-endian unsigned integer
	od -An -t u"$3" -j "$2" -N "$3" --endian=little "$1" | tr -d ' '
}
elf_check() { # elf_check FILE CLASS(1|2) MACHINE NAME
	local f=$1 class=$2 machine=$3 name=$4
	if [ -z "$f" ]; then fail "$name: binary not found in dist/"; return; fi
	if [ "$(od -An -c -N4 "$f" | tr -d ' ')" != '177ELF' ]; then fail "$name: not ELF"; return; fi
	local c m phoff phentsize phnum i interp=0
	c=$(u "$f" 4 1)
	m=$(u "$f" 18 2)
	if [ "$class" = 2 ]; then
		phoff=$(u "$f" 32 8); phentsize=$(u "$f" 54 2); phnum=$(u "$f" 56 2)
	else
		phoff=$(u "$f" 28 4); phentsize=$(u "$f" 42 2); phnum=$(u "$f" 44 2)
	fi
	for ((i = 0; i < phnum; i++)); do
		[ "$(u "$f" $((phoff + i * phentsize)) 4)" = 3 ] && interp=1
	done
	local desc="ELF class $c machine 0x$(printf %x "$m") PT_INTERP=$interp"
	if command -v file >/dev/null; then desc="$desc; file: $(file -b "$f" | cut -d, -f1-2), $(file -b "$f" | grep -o 'statically linked' || echo 'NOT statically linked')"; fi
	if [ "$c" = "$class" ] && [ "$m" = "$machine" ] && [ $interp = 0 ]; then
		pass "$name static: $desc"
	else
		fail "$name: want class $class machine 0x$(printf %x "$machine"), no PT_INTERP; got $desc"
	fi
	if command -v file >/dev/null && ! file -b "$f" | grep -q 'statically linked'; then
		fail "$name: file(1) does not say statically linked: $(file -b "$f")"
	fi
}
elf_check "$(one 'dist/calendarbot_linux_arm64*/calendarbot')" 2 183 "linux/arm64 (aarch64)"
elf_check "$(one 'dist/calendarbot_linux_arm_7*/calendarbot')" 1 40 "linux/arm v7"
elf_check "$(one 'dist/calendarbot_linux_amd64*/calendarbot')" 2 62 "linux/amd64"
mach=$(one 'dist/calendarbot_darwin_arm64*/calendarbot')
# Mach-O 64 (0xfeedfacf) for CPU_TYPE_ARM64 (0x0100000c).
if [ -n "$mach" ] && [ "$(u "$mach" 0 4)" = 4277009103 ] && [ "$(u "$mach" 4 4)" = 16777228 ]; then
	pass "darwin/arm64: Mach-O arm64"
else
	fail "darwin/arm64: binary missing or not Mach-O arm64"
fi

# Archives: one per target, each with the binary, docs, config and unit.
narch=0
for a in dist/calendarbot_*.tar.gz dist/calendarbot_*.zip; do
	[ -e "$a" ] || continue
	narch=$((narch + 1))
	case $a in
	*.zip) list=$(python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$a" 2>/dev/null || unzip -Z1 "$a" 2>/dev/null) ;;
	*) list=$(tar tzf "$a") ;;
	esac
	missing=
	for want in calendarbot README.md calendarbot.example.toml systemd/calendarbot.service INSTALL.md; do
		grep -q "/$want\$" <<<"$list" || missing="$missing $want"
	done
	if [ -n "$missing" ]; then fail "$(basename "$a") lacks:$missing"; fi
done
if [ $narch = 4 ]; then pass "4 archives with binary, README.md, INSTALL.md, calendarbot.example.toml, systemd unit"; else fail "want 4 archives in dist/, got $narch"; fi
sums=$(one 'dist/calendarbot_*_checksums.txt')
# (--ignore-missing: appliance images from out/ are listed but not in dist/.)
if [ -n "$sums" ] && [ "$(grep -cE ' calendarbot_.*\.(tar\.gz|zip)$' "$sums")" = 4 ] &&
	(cd dist && sha256sum --quiet --ignore-missing -c "$(basename "$sums")") >/dev/null 2>&1; then
	pass "checksums: the 4 archives verify ($(wc -l <"$sums") entries)"
else
	fail "checksums file missing or does not verify"
fi
timings+=("smoke tests: $(($(now) - t0))s")

# --- 5. systemd unit -------------------------------------------------------
UNIT=packaging/systemd/calendarbot.service
SA=${SYSTEMD_ANALYZE:-systemd-analyze}
if ! command -v "$SA" >/dev/null && [ "${CI:-}" = true ]; then
	echo "release-check: systemd-analyze missing; CI=true: installing systemd"
	timeout 600 apt-get install -y --no-install-recommends systemd >/dev/null 2>&1 ||
		{ timeout 300 apt-get update >/dev/null 2>&1 && timeout 600 apt-get install -y --no-install-recommends systemd >/dev/null 2>&1; }
fi
if ! command -v "$SA" >/dev/null; then
	if [ "${CI:-}" = true ]; then
		fail "systemd-analyze missing (CI=true, installing systemd failed)"
	else
		echo "release-check: ************************************************************" >&2
		skip "systemd-analyze verify $UNIT: systemd-analyze not installed (apt-get install systemd; under CI=true this is a failure)"
		echo "release-check: ************************************************************" >&2
	fi
else
	# verify wants ExecStart= to exist: check a copy pointing at the built binary.
	vdir=$(mktemp -d)
	exe=${hostbin:-$(one 'dist/calendarbot_linux_amd64*/calendarbot')}
	sed "s#^ExecStart=/usr/local/bin/calendarbot #ExecStart=$ROOT/$exe #" "$UNIT" >"$vdir/calendarbot.service"
	if out=$("$SA" verify "$vdir/calendarbot.service" 2>&1) && [ -z "$out" ]; then
		pass "systemd-analyze verify $UNIT"
	else
		fail "systemd-analyze verify $UNIT: $out"
	fi
	# Exposure score (offline mode needs systemd >= 250).
	if score=$("$SA" security --offline=yes --threshold=20 "$vdir/calendarbot.service" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p') && [ -n "$score" ]; then
		if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
			pass "systemd-analyze security: exposure $score (<= 2.0)"
		else
			fail "systemd-analyze security: exposure $score > 2.0"
		fi
	else
		skip "systemd-analyze security --offline (needs systemd >= 250)"
	fi
	rm -rf "$vdir"
fi

echo
echo "dist/:"
(cd dist && find . -maxdepth 2 -type f | sort | sed 's/^\.\//  /')
summary
