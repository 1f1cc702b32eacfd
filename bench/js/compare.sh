#!/usr/bin/env bash
# Speed comparison on the real corpus (bench/corpus/unpacked, from bench/fetch-corpus.sh):
# Portcullis's JS analysis (crates/js example `js-scan`, single-threaded) vs Semgrep (pip, in
# bench/.venv, offline, local rules in bench/js/semgrep-rules, one job) vs eslint +
# eslint-plugin-security (npm, in bench/js/node_modules). Reports CPU seconds (user+sys) of
# each over the same files and the ratios. Not part of CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="${CORPUS:-$root/bench/corpus/unpacked}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$root/bench/out/js-compare"
mkdir -p "$out"
[ -d "$corpus" ] || { echo "no corpus at $corpus: run bench/fetch-corpus.sh" >&2; exit 1; }

cpu() { # cpu LABEL CMD... → prints "LABEL <cpu seconds>" (user+sys of the whole process tree)
  local label="$1"; shift
  /usr/bin/time -f "%U %S %e %M" -o "$out/$label.time" "$@" > "$out/$label.out" 2> "$out/$label.err" || true
  read -r u s e m < <(tail -1 "$out/$label.time")
  echo "$label $(python3 -c "print(round($u+$s,2))") cpu-s, $e s wall, ${m} KB max RSS"
}

files=$(find "$corpus" -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.tsx' -o -name '*.jsx' -o -name '*.html' \) ! -name '*.d.ts' | wc -l)
echo "corpus: $corpus ($files JS/TS/HTML files)"

(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -q -p portcullis-js --example js-scan)
p=$(cpu portcullis "$target/release/examples/js-scan" "$corpus")
echo "$p"

if [ ! -x "$root/bench/.venv/bin/semgrep" ]; then
  python3 -m venv "$root/bench/.venv"
  "$root/bench/.venv/bin/pip" install -q semgrep
fi
# An empty .semgrepignore at the scan root replaces Semgrep's default ignore list (which skips
# dist/ and *.min.js — where published n8n nodes keep their code).
touch "$corpus/.semgrepignore"
s=$(cd "$corpus" && cpu semgrep "$root/bench/.venv/bin/semgrep" scan --metrics=off --disable-version-check --jobs 1 \
      --no-git-ignore --config "$here/semgrep-rules" --json --quiet --max-target-bytes 4000000 .)
echo "$s"

if [ ! -x "$here/node_modules/.bin/eslint" ]; then
  (cd "$here" && npm install --silent --no-audit --no-fund eslint@9 eslint-plugin-security@3 @typescript-eslint/parser@8 >/dev/null)
fi
# eslint's base path is the working directory when `-c` is given: run it from the corpus.
e=$(cd "$corpus" && cpu eslint "$here/node_modules/.bin/eslint" -c "$here/eslint.config.mjs" -f json --no-warn-ignored .)
echo "$e"

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
try:
    s = json.load(open(os.path.join(out, "semgrep.out")))
    print(f"semgrep scanned {len(s.get('paths', {}).get('scanned', []))} files, {len(s.get('results', []))} results")
except Exception as e:
    print(f"semgrep output unreadable: {e}")
try:
    e = json.load(open(os.path.join(out, "eslint.out")))
    print(f"eslint linted {len(e)} files, {sum(len(r['messages']) for r in e)} messages")
except Exception as x:
    print(f"eslint output unreadable: {x}")
PY
tail -20 "$out/portcullis.err" | grep "js-scan:" || true

pc=$(echo "$p" | awk '{print $2}'); sc=$(echo "$s" | awk '{print $2}'); ec=$(echo "$e" | awk '{print $2}')
python3 - "$pc" "$sc" "$ec" <<'PY'
import sys
p, s, e = (float(x) for x in sys.argv[1:])
print(f"ratio: Semgrep/Portcullis = {s/max(p,1e-3):.0f}x, eslint/Portcullis = {e/max(p,1e-3):.0f}x")
PY
