#!/usr/bin/env bash
# Downloads the benchmark corpus: real published n8n community nodes and Node-RED nodes,
# pinned in bench/corpus.txt (plus, with LISTS="corpus.txt npm-libs.txt", the popular npm
# libraries of bench/npm-libs.txt) (the most-downloaded of each kind when the list was made),
# as `npm pack` tarballs into bench/corpus/packages/ and unpacked copies into
# bench/corpus/unpacked/<name>/ (for peer tools that only scan directories).
# Idempotent; not part of CI. Needs npm and the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
packages="$here/corpus/packages"
unpacked="$here/corpus/unpacked"
mkdir -p "$packages" "$unpacked"
fail=0
while IFS= read -r spec; do
  [ -z "$spec" ] && continue
  case "$spec" in \#*) continue ;; esac
  name="${spec%@*}"
  flat="$(echo "$name" | sed 's|^@||; s|/|-|')"
  version="${spec##*@}"
  tgz="$packages/$flat-$version.tgz"
  if [ ! -s "$tgz" ]; then
    out="$(cd "$packages" && npm pack --silent "$spec" 2>/dev/null | tail -1)" || { echo "failed: $spec" >&2; fail=$((fail+1)); continue; }
    [ "$out" != "$(basename "$tgz")" ] && mv "$packages/$out" "$tgz"
  fi
  dir="$unpacked/$flat"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir" && tar -xzf "$tgz" -C "$dir" --strip-components=1 --no-same-owner 2>/dev/null || echo "unpack warning: $spec" >&2
  fi
done < <(for l in ${LISTS:-corpus.txt}; do cat "$here/$l"; echo; done)
count=$(ls "$packages"/*.tgz 2>/dev/null | wc -l)
bytes=$(du -sb "$unpacked" | cut -f1)
files=$(find "$unpacked" -type f | wc -l)
echo "corpus: $count packages, $files files, $bytes bytes unpacked ($fail failed)"
