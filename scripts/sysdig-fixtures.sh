#!/usr/bin/env bash
# Regenerates the sysdig oracle fixtures: for every capture in
# ../shared/captures, the values Debian's sysdig (0.29.3) prints for each
# event, one line per event, fields separated by the ASCII unit separator.
# The inspect package's tests compare Kestrel's values with these, and
# re-run sysdig themselves when it is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
captures=${1:-$here/../shared/captures}
out=$here/internal/inspect/testdata/sysdig
command -v sysdig >/dev/null || { echo "sysdig is not installed (apt-get install sysdig)" >&2; exit 1; }
fields=$(tr '\n' ' ' < "$out/FIELDS")
fmt='*'
sep=$'\x1f'
first=1
for f in $fields; do
  if [ $first -eq 1 ]; then fmt+="%$f"; first=0; else fmt+="$sep%$f"; fi
done
fmt+=$'\x1e'  # values may hold newlines: a record separator ends each event
for c in "$captures"/*.scap; do
  name=$(basename "$c" .scap)
  TZ=UTC sysdig -r "$c" -p "$fmt" | gzip -9n > "$out/$name.txt.gz"
  echo "$name: $(zcat "$out/$name.txt.gz" | tr -cd '\036' | wc -c) events"
done
