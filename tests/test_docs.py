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
