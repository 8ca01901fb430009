#!/usr/bin/env bash
# The real-Linux paths measured in one run: the C reference (uffd-paths.c, beside this script), then
# `copyless linux-bench`, then the C reference again, so that both see the same machine and the same swap
# device. Needs root, an active swap device with room for the largest page count, gcc and Linux 6.8 or later.
# Usage: copyless-linux/reference/run-beside-reference.sh [OUT_DIR]   (PAGES=4096,65536 REPEAT=3 by default)
# Writes OUT_DIR/linux-bench.json and OUT_DIR/reference.txt (one line per C run: pages pairing case mode ns/page
# pswpin bad), and prints the C reference's medians per cell.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-/tmp/copyless-reference}"
pages="${PAGES:-4096,65536}"
repeat="${REPEAT:-3}"
mkdir -p "$out"
gcc -O2 -o "$out/uffd-paths" "$here/uffd-paths.c"
: > "$out/reference.txt"

reference() {
  local n pairing dev mode r line
  for n in ${pages//,/ }; do
    for pairing in 0 1; do
      for dev in 0 1; do
        for r in $(seq "$repeat"); do
          for mode in 0 1 2; do
            line="$("$out/uffd-paths" "$n" "$mode" "$pairing" "$dev")"
            echo "$n $([ "$pairing" = 1 ] && echo shuffled || echo sequential) $([ "$dev" = 1 ] && echo device || echo swap-cache) $line" \
              >> "$out/reference.txt"
          done
        done
      done
    done
  done
}

reference
"$root/copyless" linux-bench --pages "$pages" --repeat "$repeat" --format json > "$out/linux-bench.json"
reference

# medians per cell and mode (0 naive, 1 UFFDIO_MOVE + MADV_WILLNEED + MADV_POPULATE_READ, 2 floor)
echo "C reference (uffd-paths.c), median ns/page of $((2 * repeat)) runs per cell (pages pairing case: naive uffd floor)"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.0f", v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for n in ${pages//,/ }; do
  for pairing in sequential shuffled; do
    for c in swap-cache device; do
      printf '%s %s %s:' "$n" "$pairing" "$c"
      for mode in 0 1 2; do
        printf ' %s' "$(awk -v n="$n" -v p="$pairing" -v c="$c" -v m="$mode" '$1 == n && $2 == p && $3 == c && $4 == m { print $6 }' \
          "$out/reference.txt" | median)"
      done
      echo
    done
  done
done
