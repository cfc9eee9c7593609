#!/bin/sh
# Container enrichment on the live event path (needs root and Docker):
# the same open+close load with Kestrel running Falco's stable rules and
# the container manager, with no container running, with a hundred, and
# from inside one of them; Kestrel's CPU per event in each phase and its
# ratio to the first; then the time from a container's first event to its
# metadata entering the event stream, over the hundred container starts.
# Usage: bench/container-enrichment.sh [CONTAINERS] [ROUNDS]   (default 100 5)
set -eu
cd "$(dirname "$0")/.."
N=${1:-100}
ROUNDS=${2:-5}
SHARED=${KESTREL_SHARED:-../shared}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ "$(id -u)" -eq 0 ] || { echo "container-enrichment: run as root" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "container-enrichment: Docker is not running (scripts/install-test-deps.sh starts it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 "$GO" build -o "$work/syscall-load" ./bench/cmd/syscall-load
"$GO" build -o "$work/bench" ./bench/cmd/container-enrichment
"$work/bench" -rules "$SHARED/falco-rules/falco_rules.yaml" -load "$work/syscall-load" -containers "$N" -rounds "$ROUNDS"
