"""Where the README's pictures go: always test-artifacts, docs/img only behind the switch.

``make doc-images`` runs the browser tests of ``tests/viz/test_doc_images.py``
with ``USER_SCORE_WRITE_DOC_IMAGES=1``: each picture is then written to
``docs/img/`` (committed) as well. Without the switch a test run never writes
into the tree.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from tests.conftest import PROJECT_ROOT

DOC_IMAGES = PROJECT_ROOT / "docs" / "img"
WRITE_SWITCH = "USER_SCORE_WRITE_DOC_IMAGES"
#: Markdown files whose pictures must exist (README and docs/*.md).
DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
#: ``![caption](path)`` and ``<img src="path">``.
PICTURE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|<img[^>]+src=\"([^\"]+)\"")
#: Upper bound of one committed picture (bytes).
MAX_BYTES = 250_000


def writing_doc_images() -> bool:
    """Whether this run regenerates docs/img (the switch is ``=1``)."""
    return os.environ.get(WRITE_SWITCH) == "1"


def optimise(png: bytes) -> bytes:
    """A smaller PNG of the same picture (256-colour palette) when Pillow is installed."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is in the dev extra
        return png
    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        palette.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def save_picture(
    png: bytes, name: str, artifact_dir: Path, doc_dir: Path = DOC_IMAGES, write: bool | None = None
) -> list[Path]:
    """Write ``name`` to ``artifact_dir/doc-img`` and, behind the switch, to ``doc_dir``.

    Returns:
        The files written.
    """
    png = optimise(png)
    targets = [artifact_dir / "doc-img" / name]
    if writing_doc_images() if write is None else write:
        targets.append(doc_dir / name)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
    return targets


def pictures_shown(document: Path) -> list[str]:
    """Relative paths of the pictures a Markdown file shows (web addresses left out)."""
    found = []
    for match in PICTURE.finditer(document.read_text(encoding="utf-8")):
        path = match.group(1) or match.group(2)
        if not re.match(r"^[a-z]+:", path):
            found.append(path)
    return found
