#!/usr/bin/env bash
# Installs the system packages the project's tests need on a Debian machine:
# Chromium for the kiosk page test (ci/browser) and DejaVu fonts so its
# screenshots look the same everywhere; QEMU (aarch64), mtools, dosfstools,
# cpio and kmod (depmod) for the appliance image and its boot tests (ci/qemu).
#
#   ci/deps.sh            report what is missing (exit 1 if anything is)
#   ci/deps.sh --install  install what is missing (also the default when CI=true)
#
# Idempotent and silent when everything is present. Runs `apt-get update` only
# when the package lists are missing or do not know a package, or when an
# install from stale lists fails. Needs root, or sudo; without either it
# prints the command to run and exits non-zero.
set -euo pipefail

packages=(chromium fonts-dejavu-core qemu-system-arm mtools dosfstools cpio kmod)

install=false
case "${1:-}" in
--install) install=true ;;
"") [[ "${CI:-}" == true ]] && install=true ;;
-h | --help)
	sed -n '2,12s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "usage: ci/deps.sh [--install]" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "ci/deps.sh: not a Debian-based system; install these yourself: ${packages[*]}" >&2
	exit 1
fi

installed() {
	[[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [[ "$install" != true ]]; then
	echo "ci/deps.sh: missing: ${missing[*]}" >&2
	echo "ci/deps.sh: run 'ci/deps.sh --install' (or: apt-get install -y --no-install-recommends ${missing[*]})" >&2
	exit 1
fi

sudo=()
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
		[[ "${CI:-}" == true ]] && sudo=(sudo -n)
	else
		echo "ci/deps.sh: missing: ${missing[*]}, and this is not root and sudo is not available." >&2
		echo "ci/deps.sh: as root run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
fi

apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0)

# Update only when the lists cannot satisfy the install.
needs_update() {
	local p cand
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || return 0
	for p in "${missing[@]}"; do
		cand=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		[[ -z "$cand" || "$cand" == "(none)" ]] && return 0
	done
	return 1
}

echo "ci/deps.sh: installing ${missing[*]}"
updated=false
if needs_update; then
	"${apt[@]}" update
	updated=true
fi
if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; then
	# Stale lists point at files the mirror no longer has: refresh once and retry.
	[[ "$updated" == true ]] && exit 1
	"${apt[@]}" update
	"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
fi

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if ((${#still[@]} > 0)); then
	echo "ci/deps.sh: still missing after install: ${still[*]}" >&2
	exit 1
fi
