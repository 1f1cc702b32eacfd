#!/usr/bin/env bash
# Runs `portcullis run --json` (the dynamic sandbox) over every unpacked package of the bench
# corpus (bench/fetch-corpus.sh) and summarises: entry points run, harness calls, what was
# observed, findings, wall and OS CPU time (user+sys of the process) per package.
# Usage: bench/dynamic-corpus.sh [portcullis-binary] [corpus-unpacked-dir]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../target/release/portcullis}"
[ -x "$bin" ] || bin="$here/../target/debug/portcullis"
corpus="${2:-$here/corpus/unpacked}"
out="$(mktemp -d)"
for dir in "$corpus"/*/; do
  name="$(basename "$dir")"
  /usr/bin/time -f "%U %S %e %M" -o "$out/$name.time" "$bin" run --json "$dir" > "$out/$name.json" 2> "$out/$name.err" || true
done
python3 - "$out" <<'PY'
import json, os, sys, collections
out = sys.argv[1]
rows, kinds, rules, outcomes = [], collections.Counter(), collections.Counter(), collections.Counter()
for f in sorted(os.listdir(out)):
    if not f.endswith('.json'): continue
    name = f[:-5]
    try:
        r = json.load(open(os.path.join(out, f)))
    except Exception:
        print(f"{name}: no report ({open(os.path.join(out, name + '.err')).read().strip()[:200]})"); continue
    t = open(os.path.join(out, name + '.time')).read().strip().splitlines()[-1].split()
    cpu = float(t[0]) + float(t[1])
    eps = r['entry_points']
    calls = sum(e['calls_run'] for e in eps)
    for e in eps: outcomes[e['outcome']] += 1
    for o in r['observations']: kinds[o['kind']] += 1
    for x in r['findings']: rules[x['rule_id']] += 1
    rows.append((name, r.get('platform'), len(eps), calls, len(r['observations']), len(r['findings']), cpu, float(t[2]), int(t[3]) // 1024))
print(f"{'package':<44} {'platform':<9} {'entries':>7} {'calls':>6} {'obs':>6} {'finds':>5} {'cpu s':>6} {'wall s':>6} {'rss MB':>6}")
for row in rows:
    print(f"{row[0][:44]:<44} {str(row[1]):<9} {row[2]:>7} {row[3]:>6} {row[4]:>6} {row[5]:>5} {row[6]:>6.2f} {row[7]:>6.2f} {row[8]:>6}")
n = len(rows)
if n:
    cpus = sorted(r[6] for r in rows)
    print(f"\n{n} packages: {sum(r[2] for r in rows)} entry points, {sum(r[3] for r in rows)} harness calls, {sum(r[4] for r in rows)} observations, {sum(r[5] for r in rows)} findings")
    print(f"CPU per package: total {sum(cpus):.1f} s, mean {sum(cpus)/n:.2f} s, median {cpus[n//2]:.2f} s, max {cpus[-1]:.2f} s")
    print("entry outcomes:", dict(outcomes))
    print("observations by kind:", dict(kinds.most_common()))
    print("findings by rule:", dict(rules.most_common()))
PY
rm -rf "$out"
