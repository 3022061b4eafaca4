"""`make mutate`: mutmut over the domain's plain rules with their fast tests, then a score per module.

The modules and which of their functions count come from pyproject.toml: [tool.mutmut] (what mutmut
copies, mutates and which tests it runs) and [tool.pumasi-mutate] (per module the functions whose
mutants are run and counted: the plain ones; a module's functions that need the database are tested
elsewhere, by the suite, and are left out here) and its equivalent mutants, each with the reason
it cannot be told apart from the code. Prints per module: generated, killed, survived (and no tests,
timeout), equivalent, score = killed / (generated - equivalent); then every survivor with its diff,
and any equivalent that no longer exists or is now killed (the list is stale).

    python tools/mutate.py [--jobs N] [--report-only] [module ...]

Exit status 1 when a module's score is below [tool.pumasi-mutate] min_score.
"""
import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLED = {1, 3}  # pytest's "tests failed" and "internal error" (a mutant that breaks the import)
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 36: "timeout", 24: "timeout", -24: "timeout",
          152: "timeout", 255: "timeout"}


def load_config():
    with open(ROOT / "pyproject.toml", "rb") as f:
        data = tomllib.load(f)["tool"]
    return data["mutmut"], data["pumasi-mutate"]


def module_of(path):
    """pumasi/records/hours.py -> pumasi.records.hours"""
    return path.removesuffix(".py").replace("/", ".")


def patterns(module, functions):
    """mutmut's mutant-name globs for a module's functions ('*' for all of them)."""
    names = []
    for function in functions:
        if function == "*":
            names.append(f"{module}.*")
        elif "." in function:  # Class.method
            cls, method = function.split(".", 1)
            names.append(f"{module}.x\u01c1{cls}\u01c1{method}__mutmut_*")
        else:
            names.append(f"{module}.x_{function}__mutmut_*")
    return names


def wanted(config, chosen):
    modules = config["modules"]
    unknown = [m for m in chosen if m not in modules]
    if unknown:
        sys.exit(f"unknown module(s) {unknown}; known: {sorted(modules)}")
    return {m: modules[m] for m in (chosen or modules)}


def run_mutmut(globs, jobs):
    # mutmut keeps which tests reach which function in mutants/ and reuses it; after the tests or the
    # code moved that mapping can be stale (a mutant run against too few tests survives): start fresh.
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *globs]
    env = dict(os.environ, PUMASI_HYPOTHESIS_PROFILE="mutate")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        print(done.stdout[-4000:])
        sys.exit(f"mutmut run failed ({done.returncode})")
    return time.monotonic() - started


def results(path, globs):
    meta = ROOT / "mutants" / (path + ".meta")
    codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
    return {name: code for name, code in codes.items() if any(fnmatch.fnmatchcase(name, g) for g in globs)}


def diff_of(name, path):
    """The changed lines of a mutant, as `mutmut show` gives them (read in this process: faster)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    try:
        diff = get_diff_for_mutant(name, path=path)
    except Exception as exc:  # a mutant whose source cannot be read back: say so, keep the report
        return f"(no diff: {exc!r})"
    lines = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return " | ".join(line.strip() for line in lines)


def report(config, modules):
    equivalent = config.get("equivalent", {})
    rows, survivors, stale, low = [], [], [], []
    for path, functions in modules.items():
        codes = results(path, patterns(module_of(path), functions))
        counts = {"killed": 0, "survived": 0, "no tests": 0, "timeout": 0, "equivalent": 0, "other": 0}
        for name, code in sorted(codes.items()):
            if name in equivalent:
                counts["equivalent"] += 1
                if code in KILLED:
                    stale.append(f"{name}: listed as equivalent but killed")
                continue
            status = "killed" if code in KILLED else STATUS.get(code, "other")
            counts[status] += 1
            if status != "killed":
                survivors.append((name, status, path))
        counted = len(codes) - counts["equivalent"]
        score = 100.0 * counts["killed"] / counted if counted else 100.0
        if score < config.get("min_score", 0):
            low.append(path)
        rows.append((path, len(codes), counts, score))
    stale += [f"{name}: listed as equivalent but no longer generated" for name in equivalent
              if any(name.startswith(module_of(p) + ".") for p in modules)
              and not any(name in results(p, ["*"]) for p in modules)]
    print(f"\n{'module':32} {'generated':>9} {'killed':>7} {'survived':>8} {'no tests':>8} "
          f"{'timeout':>7} {'equiv.':>6} {'score':>7}")
    for path, generated, c, score in rows:
        print(f"{path:32} {generated:9} {c['killed']:7} {c['survived']:8} {c['no tests']:8} "
              f"{c['timeout']:7} {c['equivalent']:6} {score:6.1f}%")
    if survivors:
        print("\nSurviving mutants (`mutmut show NAME` for the whole diff):")
        for name, status, path in survivors:
            print(f"  {status:9} {name}\n            {diff_of(name, path)}")
    for line in stale:
        print("stale equivalent:", line)
    return low


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="paths from [tool.pumasi-mutate.modules] (default: all)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")),
                        help="mutmut's --max-children (default 2, or MUTATE_JOBS)")
    parser.add_argument("--report-only", action="store_true", help="print the last run's results")
    args = parser.parse_args()
    os.chdir(ROOT)  # mutmut reads its configuration and mutants/ from here
    _, config = load_config()
    modules = wanted(config, args.modules)
    if not args.report_only:
        globs = [g for path, functions in modules.items() for g in patterns(module_of(path), functions)]
        seconds = run_mutmut(globs, args.jobs)
        print(f"mutmut ran {len(modules)} module(s) in {seconds / 60:.1f} min with {args.jobs} worker(s)")
    low = report(config, modules)
    if low:
        sys.exit(f"\nbelow min_score {config.get('min_score')}%: {', '.join(low)}")


if __name__ == "__main__":
    main()
