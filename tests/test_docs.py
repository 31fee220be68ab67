"""The documentation site builds with ``mkdocs build --strict`` (no broken link or reference),
its math is MathML made at build time, and it loads nothing from the network."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REMOTE = re.compile(
    r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//"
    r"|@import\s+url\([\"']?(?:https?:)?//"
    r"|@font-face[^}]*url\([\"']?(?:https?:)?//", re.I)


def remote_references(site: Path) -> list[str]:
    """'file: match' for every script, stylesheet, import or font fetched from the network."""
    hits = []
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".css"):
            for m in REMOTE.finditer(path.read_text(errors="replace")):
                hits.append(f"{path.relative_to(site)}: {m.group(0)[:80]}")
    return hits


def test_remote_reference_check_catches_cdn_assets(tmp_path):
    (tmp_path / "a.html").write_text('<p>ok</p><script src="https://cdn.example/katex.js">')
    (tmp_path / "b.html").write_text('<link rel="stylesheet" href="//fonts.example/x.css">')
    (tmp_path / "c.css").write_text("@import url('https://fonts.example/css');")
    (tmp_path / "d.html").write_text('<a href="https://example.org">a link is fine</a>'
                                     '<script src="assets/local.js"></script>')
    assert [h.split(":")[0] for h in remote_references(tmp_path)] == ["a.html", "b.html",
                                                                     "c.css"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_strict_build_loads_nothing_from_the_network(site):
    assert (site / "index.html").exists()
    assert remote_references(site) == []


def test_math_is_mathml_and_equations_link_to_the_code(site):
    page = (site / "how-an-mlp-learns" / "index.html").read_text()
    assert page.count("<math") > 40
    assert "arithmatex" not in page and "\\frac" not in page and "\\(" not in page
    assert 'href="../api/#npmlp.nn.layers.Layer.forward"' in page
    assert 'href="../api/#npmlp.nn.losses.BinaryCrossEntropy.logits_gradient"' in page


def test_parity_figure_comes_from_a_real_run(site):
    png = site / "assets" / "parity.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (site / "parity" / "index.html").read_text()
    assert "was not installed" not in page  # dev installs TensorFlow: a real run, always
    rows = dict(re.findall(r"<td>([\w ]+)</td>\s*<td>([0-9.e+-]+)</td>", page))
    assert {"loss", "val_loss"} <= set(rows)
    assert all(float(v) < 1e-12 for v in rows.values()), rows


# ------------------------------------------------------------------ every code block runs
BLOCK = re.compile(r"(?:<!-- docs-test: (?P<mark>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)```",
                   re.S)
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Commands about the environment (installing, building, serving): checked to be known, not run
# here (`make test` is what runs this test).
ENVIRONMENT = ("make ", "pip install", "python3 -m venv", ". .venv/bin/activate", "dask ",
               ".venv/bin/mkdocs", "tensorboard ")
# Minutes of TensorFlow, or a server that runs until stopped: options checked, not run.
PARSE_ONLY = ("compare", "bench", "playground")


def blocks(path: Path) -> list[tuple[str, str, str]]:
    """(language, code, docs-test mark) of every fenced block of a Markdown file."""
    return [(m["lang"], m["code"], m["mark"] or "") for m in BLOCK.finditer(path.read_text())]


def commands(code: str) -> list[str]:
    """The shell commands of a bash block: continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", code)
    lines = [re.sub(r"(^|\s)#.*$", "", line).strip() for line in joined.splitlines()]
    return [line for line in lines if line]


def _code(line: str) -> str:
    """A source line without its comment and surrounding blanks."""
    return re.sub(r"\s+#.*$", "", line).strip()


def run_command(command: str) -> None:
    """Run (or for PARSE_ONLY, parse and check) one documented shell command."""
    import shlex

    from npmlp.cli import build_parser, main

    words = shlex.split(command)
    env = {}
    while words and re.fullmatch(r"\w+=\S*", words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    if command.startswith(ENVIRONMENT):
        return
    if words[:2] == ["python", "-m"] and words[2] == "npmlp":
        words = words[2:]
    if words[0] == "python":  # an example script: it must exist (test_examples runs them)
        assert (ROOT / words[1]).is_file(), command
        return
    assert words[0] == "npmlp", f"unknown command in the docs: {command}"
    if "--help" in words:
        with pytest.raises(SystemExit) as exit_:
            main(words[1:])
        assert exit_.value.code == 0
        return
    if words[1] in PARSE_ONLY:
        args = build_parser().parse_args(words[1:])
        if getattr(args, "check", None):
            args.check(args)
        return
    assert main(words[1:]) == 0, command


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_every_code_block_runs(path, tmp_path, monkeypatch, capsys):
    """Python blocks run as written (each on its own, unless marked `continues`; a `setup:`
    mark gives what a snippet assumes; an `excerpt:` of a package file must match its lines;
    a `skip:` mark, with its reason, only compiles it);
    npmlp commands run in a scratch folder holding examples/."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NPMLP_EXAMPLE_QUICK", "1")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "flowers.csv").write_bytes(
        (ROOT / "examples" / "flowers.csv").read_bytes())
    (tmp_path / "runs").mkdir()
    namespace: dict = {}
    for lang, code, mark in blocks(path):
        if mark.startswith("excerpt:"):  # quoted from the package: every line is there
            source = {_code(line) for line in
                      (ROOT / "src" / "npmlp" / mark[8:].strip()).read_text().splitlines()}
            missing = [line for line in map(_code, code.splitlines())
                       if line and not line.startswith("def ") and line not in source]
            assert not missing, f"{path.name}: excerpt lines not in {mark[8:]}: {missing}"
            continue
        if mark.startswith("skip:"):
            assert mark[5:].strip(), f"{path.name}: a skip mark needs its reason"
            if lang == "python":
                compile(code, str(path), "exec")
            continue
        if lang == "python":
            if mark != "continues":
                namespace = {"__name__": "__docs__"}
            if mark.startswith("setup:"):
                exec(mark[6:].strip(), namespace)
            exec(compile(code, str(path), "exec"), namespace)
        elif lang == "bash":
            if mark.startswith("setup:"):  # what the commands assume (a saved model, say)
                exec(mark[6:].strip(), {"__name__": "__docs__"})
            for command in commands(code):
                run_command(command)
    capsys.readouterr()


def test_make_docs_silences_the_theme_banner():
    """`make docs` sets the variable that turns off the theme's end-of-life banner."""
    recipe = (ROOT / "Makefile").read_text().split("\ndocs:")[1].split("\n\n")[0]
    assert "NO_MKDOCS_2_WARNING=1" in recipe and "mkdocs build --strict" in recipe
