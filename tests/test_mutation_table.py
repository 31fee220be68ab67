"""tools/mutate.py's table stays current: every mutant's file exists and its text occurs
exactly once (`make mutation`, run by CI, then shows that a test fails for each)."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_mutate():
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutate", module)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules["mutate"])
    return sys.modules["mutate"]


def test_every_mutation_pattern_matches_exactly_once():
    mutate = load_mutate()
    assert len(mutate.MUTANTS) >= 3
    assert mutate.check_table() == []


def test_a_stale_pattern_is_reported(tmp_path):
    mutate = load_mutate()
    m = mutate.MUTANTS[0]
    (tmp_path / m.file).parent.mkdir(parents=True)
    (tmp_path / m.file).write_text("nothing to mutate here\n")
    problems = mutate.check_table(tmp_path)
    assert any("occurs 0 times" in p for p in problems)
    assert any("does not exist" in p for p in problems)
