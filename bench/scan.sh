#!/usr/bin/env bash
# Scan benchmark over the real corpus (bench/fetch-corpus.sh): every package tarball is
# scanned as the registry receives it. Reports files/s, MB/s and peak memory for one process
# scanning the whole corpus, and checks that no package made Portcullis fail with a usage
# error (2) or an internal error (3). Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -d bench/corpus/packages ] || bench/fetch-corpus.sh
cargo build --release -q -p portcullis-cli
bin="${CARGO_TARGET_DIR:-$root/target}/release/portcullis"
out="$root/bench/out"
mkdir -p "$out"
mapfile -t pkgs < <(ls bench/corpus/packages/*.tgz)

# 1. Robustness: each package on its own, exit code and any error notice recorded.
bad=0
for p in "${pkgs[@]}"; do
  name="$(basename "$p" .tgz)"
  set +e
  "$bin" scan "$p" --format json --quiet --output "json=$out/$name.json" 2>"$out/$name.stderr"
  code=$?
  set -e
  if [ "$code" -ge 2 ]; then
    bad=$((bad + 1))
    echo "FAIL $name: exit $code: $(head -c 300 "$out/$name.stderr")"
  fi
done
echo "robustness: ${#pkgs[@]} packages, $bad with exit code 2 or 3"

# 2. Throughput: one process, whole corpus, wall time and peak RSS.
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$bin" scan "${pkgs[@]}" --format json --quiet --output "json=$out/all.json" 2>/dev/null || true
  read -r secs rss_kb < <(tail -n 1 "$out/time.txt")
else
  start=$(date +%s.%N)
  "$bin" scan "${pkgs[@]}" --format json --quiet --output "json=$out/all.json" 2>/dev/null || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  rss_kb=0
fi
python3 - "$out/all.json" "$secs" "$rss_kb" <<'PY'
import json, sys, collections
reports = json.load(open(sys.argv[1]))
if isinstance(reports, dict):
    reports = [reports]
secs, rss = float(sys.argv[2]), int(sys.argv[3])
files = sum(r["target"]["files"] for r in reports)
size = sum(r["target"]["bytes"] for r in reports)
by_rule = collections.Counter(f["rule_id"] for r in reports for f in r["findings"])
outcomes = collections.Counter(r["decision"]["outcome"] for r in reports)
errors = [(r["target"]["source"], n["message"]) for r in reports for n in r.get("notices", []) if n["level"] == "error"]
print(f"throughput: {len(reports)} packages, {files} files, {size/1e6:.1f} MB in {secs:.2f} s "
      f"= {files/secs:,.0f} files/s, {size/1e6/secs:.1f} MB/s; peak RSS {rss/1024:.0f} MiB")
print("outcomes:", dict(outcomes))
print("findings per rule:")
for rule, n in by_rule.most_common():
    print(f"  {n:6d}  {rule}")
print(f"error notices: {len(errors)}")
for src, msg in errors[:20]:
    print(f"  {src}: {msg}")
PY
