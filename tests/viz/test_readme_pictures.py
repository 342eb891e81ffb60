"""The pictures README and docs/ show exist, are small PNGs, and are all shown (no browser)."""

from __future__ import annotations

from tests.viz.doc_images import (
    DOC_IMAGES,
    DOCUMENTS,
    MAX_BYTES,
    pictures_shown,
    save_picture,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_every_picture_the_docs_show_exists():
    missing = [
        f"{document.name}: {path}"
        for document in DOCUMENTS
        for path in pictures_shown(document)
        if not (document.parent / path).is_file()
    ]
    assert not missing, f"pictures referenced but absent (make doc-images): {missing}"


def test_the_readme_shows_the_flowchart_the_report_and_the_training_charts():
    shown = set(pictures_shown(DOCUMENTS[0]))
    for name in ("flowchart", "monitoring-report", "training-"):
        assert any(name in path for path in shown), f"README shows no {name} picture: {shown}"


def test_every_committed_picture_is_a_small_png_that_is_shown():
    shown = {
        (document.parent / path).resolve()
        for document in DOCUMENTS
        for path in pictures_shown(document)
    }
    pictures = sorted(DOC_IMAGES.glob("*"))
    assert pictures, "docs/img is empty"
    for picture in pictures:
        assert picture.suffix == ".png" and picture.read_bytes()[:8] == PNG_SIGNATURE, picture
        assert picture.stat().st_size <= MAX_BYTES, f"{picture.name}: {picture.stat().st_size} B"
        assert picture.resolve() in shown, f"{picture.name} is shown by no document"


def test_pictures_go_to_the_tree_only_behind_the_switch(tmp_path, monkeypatch):
    monkeypatch.delenv("USER_SCORE_WRITE_DOC_IMAGES", raising=False)
    artifacts, docs = tmp_path / "artifacts", tmp_path / "docs-img"
    png = (DOC_IMAGES / "flowchart.png").read_bytes()
    assert save_picture(png, "a.png", artifacts, docs) == [artifacts / "doc-img" / "a.png"]
    assert not docs.exists()
    monkeypatch.setenv("USER_SCORE_WRITE_DOC_IMAGES", "1")
    assert save_picture(png, "a.png", artifacts, docs)[-1] == docs / "a.png"
    assert (docs / "a.png").read_bytes()[:8] == PNG_SIGNATURE
