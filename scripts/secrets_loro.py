#!/usr/bin/env python3
"""Leave-one-repository-out (LORO) evaluation of the secrets analyzer on CredData.

Data: ../shared/eval/credData-shown/ (six JS/TS repositories, line labels in meta/*.csv).
Scoring is bench/secrets/creddata_eval.py's: a T row is found when a finding starts on
one of its lines, a finding on an F row is a false positive, X rows are ignored; recall is
reported without the UUID category (and with it), precision over labelled lines.

Two figures per held-out repository:

* as shipped: the analyzer's findings, nothing fitted to the data;
* LORO-tuned: the only data-fitted choice — which rules to keep and the minimum
  confidence — is chosen on the five other repositories (maximising F1 there) and applied
  to the held-out one, so no label of the scored repository influences its score.

The detectors themselves are hand-written from the *kind* of credential; they were
written while looking at misses on this shown half, so both figures are upper bounds for
unseen repositories. The held-out half of CredData is the honest test.

usage: scripts/secrets_loro.py [--data DIR] [--bin PATH]
"""
import argparse, json, os, subprocess, sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "secrets"))
import creddata_eval as ce  # noqa: E402

CONF = {"low": 0, "medium": 1, "high": 2}


def findings(data, binary):
    out = subprocess.run([binary, os.path.join(data, "data")], capture_output=True, text=True, check=True)
    fs = []
    for line in out.stdout.splitlines():
        f = json.loads(line)
        region = f["location"].get("region") or {}
        start = region.get("start_line", 0)
        fs.append({
            "path": "data/" + f["location"]["path"],
            "lines": range(start, region.get("end_line", start) + 1),
            "rule": f["rule_id"],
            "conf": CONF.get(f.get("confidence", "medium"), 1),
        })
    return fs


def hits_of(fs, keep_rules=None, min_conf=0):
    hits = defaultdict(set)
    for f in fs:
        if keep_rules is not None and f["rule"] not in keep_rules:
            continue
        if f["conf"] < min_conf:
            continue
        for ln in f["lines"]:
            hits[f["path"]].add(ln)
    return hits


def counts(rows, hits):
    """(tp, fp, found_nu, total_nu, found, total)"""
    tp = fp = found = total = found_nu = total_nu = 0
    for r in rows:
        lines = range(int(r["LineStart"]), int(r["LineEnd"]) + 1)
        hit = any(l in hits.get(r["FilePath"], ()) for l in lines)
        if r["GroundTruth"] == "T":
            uuid = "UUID" in r["Category"]
            total += 1
            total_nu += 0 if uuid else 1
            if hit:
                tp += 1
                found += 1
                found_nu += 0 if uuid else 1
        elif r["GroundTruth"] == "F" and hit:
            fp += 1
    return tp, fp, found_nu, total_nu, found, total


def f1(c):
    tp, fp, fnu, tnu, _, _ = c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = fnu / tnu if tnu else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def tune(rows, fs):
    """Rules to keep and minimum confidence, chosen on `rows` only."""
    rules = sorted({f["rule"] for f in fs})
    best = None
    for min_conf in (0, 1, 2):
        keep = set(rules)
        # Greedy: drop a rule while dropping it raises F1 on the training repositories.
        improved = True
        while improved:
            improved = False
            base = f1(counts(rows, hits_of(fs, keep, min_conf)))
            for r in sorted(keep):
                trial = keep - {r}
                if f1(counts(rows, hits_of(fs, trial, min_conf))) > base + 1e-9:
                    keep, improved = trial, True
                    break
        score = f1(counts(rows, hits_of(fs, keep, min_conf)))
        if best is None or score > best[0]:
            best = (score, keep, min_conf)
    return best[1], best[2]


def fmt(c):
    tp, fp, fnu, tnu, fo, to = c
    p = tp / (tp + fp) if tp + fp else float("nan")
    return (f"recall-no-UUID {fnu:3d}/{tnu:<3d} = {fnu / tnu if tnu else 0:6.1%}  "
            f"recall {fo:3d}/{to:<3d} = {fo / to if to else 0:6.1%}  precision {tp:3d}/{tp + fp:<3d} = {p:6.1%}")


def add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "eval", "credData-shown"))
    ap.add_argument("--bin", default=os.environ.get("SCAN_DIR_BIN", os.path.join(
        ROOT, os.environ.get("CARGO_TARGET_DIR", "target"), "release", "examples", "scan_dir")))
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    rows = ce.load_rows(data)
    fs = findings(data, a.bin)
    repos = sorted({r["RepoName"] for r in rows})
    zero = (0,) * 6
    shipped_total, loro_total = zero, zero
    print(f"{len(repos)} repositories, {len(rows)} labelled lines, {len(fs)} findings")
    for held in repos:
        test = [r for r in rows if r["RepoName"] == held]
        train = [r for r in rows if r["RepoName"] != held]
        test_fs = [f for f in fs if f["path"].startswith(f"data/{held}/")]
        train_fs = [f for f in fs if not f["path"].startswith(f"data/{held}/")]
        shipped = counts(test, hits_of(test_fs))
        keep, min_conf = tune(train, train_fs)
        loro = counts(test, hits_of(test_fs, keep | (set(f["rule"] for f in test_fs) - set(f["rule"] for f in train_fs)), min_conf))
        dropped = sorted(set(f["rule"] for f in train_fs) - keep)
        shipped_total, loro_total = add(shipped_total, shipped), add(loro_total, loro)
        print(f"held out {held}:")
        print(f"    as shipped  {fmt(shipped)}")
        print(f"    LORO-tuned  {fmt(loro)}  (min confidence {min_conf}, dropped {dropped or 'none'})")
    print("overall (sum over held-out repositories):")
    print(f"    as shipped  {fmt(shipped_total)}")
    print(f"    LORO-tuned  {fmt(loro_total)}")


if __name__ == "__main__":
    main()
