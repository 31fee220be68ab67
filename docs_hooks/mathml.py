"""MkDocs hook: LaTeX to MathML at build time, so math renders offline with no JavaScript.

``pymdownx.arithmatex`` (generic mode) finds ``$...$`` and ``$$...$$`` outside code and wraps
them as ``<span class="arithmatex">\\(...\\)</span>`` / ``<div class="arithmatex">\\[...\\]</div>``;
this hook converts each to MathML with ``latex2mathml`` (pure Python). Browsers render MathML
natively, so the built site loads no script, style or font from the network.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def _to_mathml(latex: str, display: str) -> str:
    return convert(html.unescape(latex).strip(), display=display)


def on_page_content(content: str, page, config, files) -> str:
    content = _BLOCK.sub(lambda m: f'<div class="math">{_to_mathml(m[1], "block")}</div>',
                         content)
    return _INLINE.sub(lambda m: _to_mathml(m[1], "inline"), content)
