#!/usr/bin/env python3
"""Recall of the `js` analyzer on SecBench.js (the half in ../shared/eval/secbench-shown.jsonl).

For every labelled vulnerability: `npm pack PACKAGE@VERSION` into bench/corpus/secbench/
(cached, gitignored), unpack, run the analyzer in library mode over the package (the
`js-scan` example of crates/js, JSON lines), and count a hit when a finding of the right class
is in the sink file within 3 lines of the sink line. Entries without a sink location count as
hit when the package has any finding of the class (reported separately).

usage: bench/js/secbench-recall.py [--fetch-only] [--jobs N] [--data PATH]
"""
import argparse, collections, concurrent.futures, json, os, subprocess, sys, tarfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, "bench", "corpus", "secbench")
CLASS_RULE = {
    "command-injection": "js/command-injection",
    "code-injection": "js/code-injection",
    "path-traversal": "js/path-traversal",
    "prototype-pollution": "js/prototype-pollution",
    "redos": "js/redos",
}


def fetch(entry):
    name, version = entry["package"], entry["version"]
    flat = name.replace("@", "").replace("/", "-")
    d = os.path.join(CACHE, f"{flat}-{version}")
    if os.path.isdir(os.path.join(d, "package")):
        return d
    os.makedirs(d, exist_ok=True)
    try:
        out = subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=d,
                             capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    tgz = [f for f in os.listdir(d) if f.endswith(".tgz")]
    if out.returncode != 0 or not tgz:
        return None
    with tarfile.open(os.path.join(d, tgz[0])) as t:
        members = [m for m in t.getmembers() if m.isfile() or m.isdir()]
        for m in members:
            # package/… normally; some old tarballs use another top directory.
            parts = m.name.split("/", 1)
            m.name = "package/" + (parts[1] if len(parts) > 1 else "")
            if ".." in m.name.split("/"):
                continue
            t.extract(m, d, filter="data") if sys.version_info >= (3, 12) else t.extract(m, d)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "eval", "secbench-shown.jsonl"))
    ap.add_argument("--fetch-only", action="store_true")
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "examples", "js-scan"))
    args = ap.parse_args()
    entries = [json.loads(l) for l in open(args.data) if l.strip()]
    os.makedirs(CACHE, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        dirs = list(ex.map(fetch, entries))
    missing = sum(1 for d in dirs if d is None)
    print(f"{len(entries)} entries, {missing} could not be downloaded", file=sys.stderr)
    if args.fetch_only:
        return
    per_pkg = {}
    total_secs = 0.0
    for e, d in zip(entries, dirs):
        if d is None or d in per_pkg:
            continue
        t0 = time.perf_counter()
        out = subprocess.run([args.bin, "--library", os.path.join(d, "package")],
                             capture_output=True, text=True, timeout=600)
        total_secs += time.perf_counter() - t0
        findings = []
        for line in out.stdout.splitlines():
            try:
                findings.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        per_pkg[d] = findings
    stats = collections.defaultdict(lambda: [0, 0, 0])  # hit, total, unlocated
    misses = []
    for e, d in zip(entries, dirs):
        cls = e["class"]
        rule = CLASS_RULE[cls]
        s = stats[cls]
        s[1] += 1
        if d is None:
            misses.append((e, "not downloaded"))
            continue
        fs = [f for f in per_pkg.get(d, []) if f["rule"] == rule]
        if e.get("sink_file"):
            sink = e["sink_file"].lstrip("./")
            # Sink paths are mostly relative to the package root; some are relative to the
            # source repository (`util.js` for `lib/util.js`): accept a path-suffix match.
            same = lambda p: p == sink or p.endswith("/" + sink) or sink.endswith("/" + p)
            hit = any(same(f["path"]) and abs(f["line"] - e["sink_line"]) <= 3 for f in fs)
        else:
            s[2] += 1
            hit = bool(fs)
        if hit:
            s[0] += 1
        else:
            misses.append((e, f"{len(fs)} {rule} findings elsewhere"))
    hit = sum(s[0] for s in stats.values())
    tot = sum(s[1] for s in stats.values())
    print(f"{'class':22} {'found':>6} {'total':>6} {'recall':>7}  (unlocated)")
    for cls in sorted(stats):
        h, t, u = stats[cls]
        print(f"{cls:22} {h:6} {t:6} {100*h/max(t,1):6.1f}%  ({u})")
    print(f"{'overall':22} {hit:6} {tot:6} {100*hit/max(tot,1):6.1f}%")
    print(f"analysis wall time {total_secs:.1f}s for {len(per_pkg)} packages (incl. process start)")
    if os.environ.get("SECBENCH_MISSES"):
        for e, why in misses:
            print(f"MISS {e['class']} {e['package']}@{e['version']} {e.get('sink_file')}:{e.get('sink_line')} — {why}")


if __name__ == "__main__":
    main()
