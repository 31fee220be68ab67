"""Mutation check: does the test suite notice a wrong derivative, a wrong optimizer constant,
an off-by-one in the validation split? (``make mutation``; CI runs it after ``make test``.)

For each mutant in ``MUTANTS``: copy ``src/`` and ``tests/`` to a temporary directory, replace
``old`` by ``new`` in ``file`` (the text must occur exactly once, or the script stops: a
pattern that no longer matches after a refactoring must be retargeted, not skipped), run the
mutant's fast subset of the tests against the copy, and require at least one test to FAIL
(pytest exit status 1; a crash or a collection error does not count). The same subsets must
pass on an unmutated copy first. Exit status 0 when every mutant is killed.

When modules move, edit the table below: each row names the file and the exact text.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str            # relative to the repository root
    old: str             # must occur exactly once in file
    new: str
    tests: tuple[str, ...]  # pytest arguments: the fast subset expected to catch it


MUTANTS = [
    Mutant("tanh derivative 1 - A instead of 1 - A^2",
           "src/npmlp/nn/activations.py",
           "        np.subtract(1, T, out=T)                     # g'(Z) = 1 - A^2\n",
           "        np.subtract(1, A, out=T)                     # g'(Z) = 1 - A\n",
           ("tests/test_gradients.py", "-k", "tanh")),
    Mutant("sigmoid derivative A (1 + A) instead of A (1 - A)",
           "src/npmlp/nn/activations.py",
           "        T = np.subtract(1, A, out=None if work is None else work.T)\n",
           "        T = np.add(1, A, out=None if work is None else work.T)\n",
           ("tests/test_gradients.py", "-k", "sigmoid")),
    Mutant("Adam bias correction 1 - beta_1^(t+1) instead of 1 - beta_1^t",
           "src/npmlp/optimizers/adam.py",
           "alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)",
           "alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** (t + 1))",
           ("tests/test_optimizers.py", "-k", "adam")),
    Mutant("SGD momentum: v = momentum v + lr g (sign flipped)",
           "src/npmlp/optimizers/sgd.py",
           "        np.subtract(v, step, out=v)                  # v = momentum * v - lr * g",
           "        np.add(v, step, out=v)                       # v = momentum * v - lr * g",
           ("tests/test_optimizers.py", "-k", "momentum or nesterov")),
    Mutant("L2 gradient l2 W instead of 2 l2 W",
           "src/npmlp/nn/regularizers.py",
           "return np.multiply(W, 2 * self.l2, out=out)",
           "return np.multiply(W, self.l2, out=out)",
           ("tests/test_gradients.py", "-k", "True")),
    Mutant("validation split off by one: the first validation sample is dropped",
           "src/npmlp/training/splits.py",
           "return slice(0, split_at), slice(split_at, n)",
           "return slice(0, split_at), slice(split_at + 1, n)",
           ("tests/test_model.py", "-k", "by_hand or partial_batch or split")),
]


def apply(tree: Path, mutant: Mutant) -> None:
    """Replace mutant.old by mutant.new in the copy; the text must occur exactly once."""
    path = tree / mutant.file
    if not path.is_file():
        raise SystemExit(f"mutant {mutant.name!r}: {mutant.file} does not exist; retarget "
                         f"the MUTANTS table in {Path(__file__).name}")
    text = path.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"mutant {mutant.name!r}: the text {mutant.old!r} occurs {count} "
                         f"times in {mutant.file} (expected exactly once); retarget it")
    path.write_text(text.replace(mutant.old, mutant.new))


def copy_tree(dest: Path) -> Path:
    tree = dest / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")
    for name in ("src", "tests"):
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)
    for name in ("pyproject.toml",):
        shutil.copy2(ROOT / name, tree / name)
    return tree


def run_tests(tree: Path, args: tuple[str, ...]) -> tuple[int, str]:
    """pytest on the copy, importing npmlp from the copy's src/."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *args],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def imported_from(tree: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    return subprocess.run([sys.executable, "-c", "import npmlp; print(npmlp.__file__)"],
                          cwd=tree, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def check_table(root: Path = ROOT) -> list[str]:
    """Problems with the table against a tree (missing files, patterns not found once)."""
    problems = []
    for m in MUTANTS:
        path = root / m.file
        if not path.is_file():
            problems.append(f"{m.name}: {m.file} does not exist")
        elif (count := path.read_text().count(m.old)) != 1:
            problems.append(f"{m.name}: {m.old!r} occurs {count} times in {m.file}")
        elif m.old == m.new:
            problems.append(f"{m.name}: the mutation changes nothing")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTANTS:
            print(f"{m.name}\n    {m.file}: {m.old.strip()!r} -> {m.new.strip()!r}\n"
                  f"    pytest {' '.join(m.tests)}")
        return 0
    problems = check_table()
    if problems:
        print("mutation table is stale:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="npmlp-mutation-") as tmp:
        base = copy_tree(Path(tmp) / "base")
        where = imported_from(base)
        if not where.startswith(str(base)):
            print(f"the copy's npmlp is not the one imported ({where})", file=sys.stderr)
            return 2
        subsets = sorted({m.tests for m in MUTANTS})
        for tests in subsets:
            rc, out = run_tests(base, tests)
            if rc != 0:
                print(f"baseline FAILED: pytest {' '.join(tests)} (exit {rc}) on the "
                      f"unmutated tree\n{out[-3000:]}", file=sys.stderr)
                return 2
        print(f"baseline: {len(subsets)} test subsets pass on the unmutated tree")
        survivors = 0
        for i, m in enumerate(MUTANTS):
            tree = copy_tree(Path(tmp) / f"m{i}")
            apply(tree, m)
            rc, out = run_tests(tree, m.tests)
            failed = re.findall(r"^FAILED (\S+)", out, flags=re.M)
            if rc == 1 and failed:
                print(f"killed    {m.name}\n          by {len(failed)} failing test(s), "
                      f"e.g. {failed[0]}")
            else:
                survivors += 1
                why = "every test passed" if rc == 0 else f"pytest exit {rc}, not a test failure"
                print(f"SURVIVED  {m.name} ({why})\n{out[-2000:]}")
    print(f"{len(MUTANTS) - survivors} of {len(MUTANTS)} mutants killed "
          f"in {time.monotonic() - start:.0f} s")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
