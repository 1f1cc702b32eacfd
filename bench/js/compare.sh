#!/usr/bin/env bash
# Speed comparison on the real corpus (bench/corpus/unpacked, from bench/fetch-corpus.sh), all
# three tools in the same run over the same files:
#   * Portcullis's JS analysis (crates/js example `js-scan`, single-threaded);
#   * Semgrep with the public Node.js rules that ship in the PyPI package `njsscan`
#     (`njsscan/rules/semantic_grep/`, ~60 Semgrep rules), installed with `semgrep` in this
#     folder's own virtualenv (bench/js/.venv), run offline (`--metrics=off`), one job;
#   * eslint + eslint-plugin-security (npm, bench/js/node_modules).
# Optionally (LOCAL_RULES=1) also Semgrep with the old 8-rule local set in semgrep-rules/ —
# hand-written for this project, NOT public rules: kept only as a second data point.
# Reports CPU seconds (user+sys of the whole process tree) of each and the ratios. Not CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="${CORPUS:-$root/bench/corpus/unpacked}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$root/bench/out/js-compare"
venv="$here/.venv"
mkdir -p "$out"
[ -d "$corpus" ] || { echo "no corpus at $corpus: run bench/fetch-corpus.sh" >&2; exit 1; }

cpu() { # cpu LABEL CMD... → prints "LABEL <cpu seconds>" (user+sys of the whole process tree)
  local label="$1"; shift
  /usr/bin/time -f "%U %S %e %M" -o "$out/$label.time" "$@" > "$out/$label.out" 2> "$out/$label.err" || true
  read -r u s e m < <(tail -1 "$out/$label.time")
  echo "$label $(python3 -c "print(round($u+$s,2))") cpu-s, $e s wall, ${m} KB max RSS"
}

files=$(find "$corpus" -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.tsx' -o -name '*.jsx' -o -name '*.html' \) ! -name '*.d.ts' | wc -l)
echo "corpus: $corpus ($files JS/TS/HTML files); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -q -p portcullis-js --example js-scan)
p=$(cpu portcullis "$target/release/examples/js-scan" "$corpus")
echo "$p"

if [ ! -x "$venv/bin/semgrep" ] || [ ! -d "$("$venv/bin/python" -c 'import njsscan,os;print(os.path.dirname(njsscan.__file__))' 2>/dev/null)" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q njsscan semgrep
fi
rules="$("$venv/bin/python" -c 'import njsscan,os;print(os.path.join(os.path.dirname(njsscan.__file__),"rules","semantic_grep"))')"
echo "semgrep $("$venv/bin/semgrep" --version 2>/dev/null | tail -1), njsscan rules: $rules ($(find "$rules" -name '*.yaml' -o -name '*.yml' | xargs cat | grep -c '^ *- id:') rules)"
# An empty .semgrepignore at the scan root replaces Semgrep's default ignore list (which skips
# dist/ and *.min.js — where published n8n nodes keep their code).
touch "$corpus/.semgrepignore"
semgrep_run() { # semgrep_run LABEL RULES
  local label="$1" cfg="$2"
  (cd "$corpus" && cpu "$label" "$venv/bin/semgrep" scan --metrics=off --disable-version-check --jobs 1 \
      --no-git-ignore --config "$cfg" --json --quiet --max-target-bytes 4000000 .)
}
s=$(semgrep_run semgrep "$rules")
echo "$s"
if [ "${LOCAL_RULES:-0}" = 1 ]; then
  semgrep_run semgrep-local "$here/semgrep-rules"
fi

if [ ! -x "$here/node_modules/.bin/eslint" ]; then
  (cd "$here" && npm install --silent --no-audit --no-fund eslint@9 eslint-plugin-security@3 @typescript-eslint/parser@8 >/dev/null)
fi
# eslint's base path is the working directory when `-c` is given: run it from the corpus.
e=$(cd "$corpus" && cpu eslint "$here/node_modules/.bin/eslint" -c "$here/eslint.config.mjs" -f json --no-warn-ignored .)
echo "$e"

python3 - "$out" <<'PY'
import json, sys, os, collections
out = sys.argv[1]
for label in ("semgrep", "semgrep-local"):
    f = os.path.join(out, label + ".out")
    if not os.path.exists(f):
        continue
    try:
        s = json.load(open(f))
        res = s.get("results", [])
        per = collections.Counter(r.get("check_id", "?").split(".")[-1] for r in res)
        print(f"{label} scanned {len(s.get('paths', {}).get('scanned', []))} files, {len(res)} results, "
              f"{len(s.get('errors', []))} errors; top rules: {per.most_common(8)}")
    except Exception as e:
        print(f"{label} output unreadable: {e}")
try:
    e = json.load(open(os.path.join(out, "eslint.out")))
    print(f"eslint linted {len(e)} files, {sum(len(r['messages']) for r in e)} messages")
except Exception as x:
    print(f"eslint output unreadable: {x}")
PY
grep "js-scan:" "$out/portcullis.err" || true

pc=$(echo "$p" | awk '{print $2}'); sc=$(echo "$s" | awk '{print $2}'); ec=$(echo "$e" | awk '{print $2}')
python3 - "$pc" "$sc" "$ec" <<'PY'
import sys
p, s, e = (float(x) for x in sys.argv[1:])
print(f"ratio: Semgrep(njsscan rules)/Portcullis = {s/max(p,1e-3):.0f}x, eslint/Portcullis = {e/max(p,1e-3):.0f}x")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
