"""`make mutate-constants`: the mutants mutmut does not make, because mutmut 3 changes only what is
inside functions: module-level constants (the 480-minute cap, input-length caps, the check-digit
weights, the result codes and their messages, a dataclass's defaults). Each one listed in
pyproject.toml [tool.pumasi-mutate-constants] (file, the text, what it becomes, its tests' group) is applied
to a scratch copy of the tree, the tests named run there (stopping at the first failure), and the
copy thrown away; a mutant is killed when they fail. Prints each with its verdict and a score.

    python tools/mutate_constants.py [--jobs N]

Exit status 1 when any survives.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("pumasi", "tests", "sim1365", "pytest.ini")


def load_mutants():
    """The mutants, each with the test files of its group."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        config = tomllib.load(f)["tool"]["pumasi-mutate-constants"]
    return [dict(m, tests=config["tests"][m["tests"]]) for m in config["mutants"]]


def scratch_copy(where):
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
        else:
            shutil.copy(source, where / name)


def apply(where, mutant):
    path = where / mutant["file"]
    text = path.read_text()
    count = text.count(mutant["text"])
    if count != 1:
        raise SystemExit(f"{mutant['file']}: {mutant['text']!r} is there {count} times, not once: update the list")
    path.write_text(text.replace(mutant["text"], mutant["becomes"]))


def verdict(mutant):
    """'killed' or 'SURVIVED', from the mutant's tests run in a scratch copy with it applied."""
    with tempfile.TemporaryDirectory(prefix="pumasi-mutant-") as tmp:
        where = Path(tmp)
        scratch_copy(where)
        apply(where, mutant)
        env = dict(os.environ, PUMASI_HYPOTHESIS_PROFILE="mutate")
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:randomly",
                               "-p", "no:cacheprovider", *mutant["tests"]],
                              cwd=where, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        return f"error (pytest exit {done.returncode})"
    return "killed" if done.returncode == 1 else "SURVIVED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    args = parser.parse_args()
    mutants = load_mutants()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        verdicts = list(pool.map(verdict, mutants))
    for mutant, found in zip(mutants, verdicts):
        print(f"{found:9} {mutant['file']}: {mutant['text']!r} -> {mutant['becomes']!r}")
    killed = verdicts.count("killed")
    print(f"\nconstants: {len(mutants)} mutants, {killed} killed, {len(mutants) - killed} not: "
          f"{100.0 * killed / len(mutants):.1f}%")
    if killed != len(mutants):
        sys.exit(1)


if __name__ == "__main__":
    main()
