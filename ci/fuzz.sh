#!/usr/bin/env bash
# Runs each fuzz target for a while: `ci/fuzz.sh 8s TARGET...` where TARGET is
# ./pkg:FuzzName. Go can fuzz one target per invocation, hence the loop.
# A crasher is written to the package's testdata/fuzz and fails the run.
set -euo pipefail
time=${1:?usage: ci/fuzz.sh DURATION TARGET...}
shift
for t in "$@"; do
	pkg=${t%%:*}
	name=${t##*:}
	echo "fuzz $pkg $name for $time"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$time" "$pkg"
done
