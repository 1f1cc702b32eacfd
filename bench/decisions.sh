#!/usr/bin/env bash
# Gate decisions on real packages no one on the team wrote: the bench corpus (bench/corpus.txt:
# n8n and Node-RED nodes) plus popular npm libraries (bench/npm-libs.txt), all pinned, scanned
# as a platform team would with no vulnerability database. Prints the decision distribution
# and, for every reject and quarantine, the policies and the rules behind them; then the CPU
# each package costs outside the analyzers, by OS CPU time (getrusage), against the 5 ms target.
#
#   bench/decisions.sh                 fetch (npm), build (release), scan, measure
#   SKIP_BUILD=1 bench/decisions.sh    reuse the built binaries
#   REPEAT=3 bench/decisions.sh        CPU runs per stage (fastest kept; default 5)
# Not part of CI: needs npm and the npm registry for the first fetch.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile="${PROFILE:-release}"
target="${CARGO_TARGET_DIR:-$root/target}/$([ "$profile" = dev ] && echo debug || echo "$profile")"
LISTS="corpus.txt npm-libs.txt" bench/fetch-corpus.sh >&2
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build -q --profile "$profile" -p portcullis-cli
  cargo build -q --profile "$profile" -p portcullis-scan --example overhead
fi
bin="$target/portcullis"
out="$root/bench/out/decisions"
rm -rf "$out" && mkdir -p "$out"
nodb="$(mktemp -d)"
trap 'rm -rf "$nodb"' EXIT

pkgs=()
while IFS= read -r spec; do
  case "$spec" in ""|\#*) continue ;; esac
  name="${spec%@*}"; flat="$(echo "$name" | sed 's|^@||; s|/|-|')"; version="${spec##*@}"
  tgz="bench/corpus/packages/$flat-$version.tgz"
  [ -s "$tgz" ] && pkgs+=("$tgz")
done < <(cat bench/corpus.txt; echo; cat bench/npm-libs.txt)

for p in "${pkgs[@]}"; do
  name="$(basename "$p" .tgz)"
  "$bin" scan "$p" --db "$nodb" --quiet --output "json=$out/$name.json" 2>"$out/$name.stderr" || true
done

python3 - "$out" <<'PY'
import json, sys, os, collections
out = sys.argv[1]
libs = {l.split('@')[-2].lstrip('@').replace('/', '-') if l.count('@') > 1 else l.split('@')[0]
        for l in open('bench/npm-libs.txt') if l.strip() and not l.startswith('#')}
rows = []
for f in sorted(os.listdir(out)):
    if not f.endswith('.json'):
        continue
    r = json.load(open(os.path.join(out, f)))
    by_fp = {x['fingerprint']: x['rule_id'] for x in r['findings']}
    name = f[:-5]
    kind = 'npm-lib' if name.rsplit('-', 1)[0] in libs else 'corpus'
    d = r['decision']
    reasons = []
    for reason in d['reasons']:
        if reason['outcome'] != d['outcome']:
            continue
        rules = collections.Counter(by_fp.get(fp, '?') for fp in reason.get('findings', []))
        reasons.append((reason['policy'], dict(rules.most_common(4)), reason['message']))
    rows.append((kind, name, d['outcome'], reasons))
dist = collections.Counter((k, o) for k, _, o, _ in rows)
total = collections.Counter(o for _, _, o, _ in rows)
print(f"decisions over {len(rows)} packages (no vulnerability database):")
print(f"  {'':10} {'approve':>8} {'quarantine':>11} {'reject':>7}")
for kind in ('corpus', 'npm-lib'):
    n = [dist[(kind, o)] for o in ('approve', 'quarantine', 'reject')]
    print(f"  {kind:10} {n[0]:8d} {n[1]:11d} {n[2]:7d}")
print(f"  {'all':10} {total['approve']:8d} {total['quarantine']:11d} {total['reject']:7d}")
pol = collections.Counter(p for _, _, o, rs in rows if o != 'approve' for p, _, _ in rs)
print("policies behind rejects and quarantines:", dict(pol.most_common()))
for outcome in ('reject', 'quarantine'):
    print(f"\n{outcome}:")
    for kind, name, o, rs in rows:
        if o != outcome:
            continue
        print(f"  {name} [{kind}]")
        for policy, rules, msg in rs:
            print(f"    {policy}: {', '.join(f'{k}×{v}' for k, v in rules.items()) or '-'}")
PY

echo
echo "CPU per package by stage (ms, OS CPU time, fastest of ${REPEAT:-5}; one thread):"
RAYON_NUM_THREADS=1 "$target/examples/overhead" --repeat "${REPEAT:-5}" "${pkgs[@]}" > "$out/cpu.tsv"
python3 - "$out/cpu.tsv" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
cols = [c for c in rows[0] if c.endswith('_ms')]
print(f"  {'stage':16} {'mean':>8} {'median':>8} {'max':>8}   total over {len(rows)} packages")
for c in cols:
    v = [float(r[c]) for r in rows]
    print(f"  {c[:-3]:16} {statistics.mean(v):8.2f} {statistics.median(v):8.2f} {max(v):8.2f}   {sum(v)/1000:.3f} s")
v = [float(r['outside_ms']) for r in rows]
print(f"outside the analyzers (scan - js - secrets - deps + render): mean {statistics.mean(v):.2f} ms, "
      f"median {statistics.median(v):.2f} ms per package; target <= 5 ms: {'met' if statistics.mean(v) <= 5 else 'NOT met'}")
worst = sorted(rows, key=lambda r: -float(r['outside_ms']))[:5]
print("most overhead:", ', '.join(f"{r['package']} {float(r['outside_ms']):.1f} ms" for r in worst))
PY
