"""Title parsing: base title, franchise key and title flags, scalar and column-wise.

The scalar functions (:func:`base_title`, :func:`franchise_key`,
:func:`title_flag_values`) define the features. :func:`title_features` computes
all of them for a whole column with pyarrow's compiled string kernels (RE2),
one pass per feature over the distinct titles, so a day whose every title is
new costs no Python per title.

RE2 and Python's ``re`` agree on these patterns for printable ASCII text
(``\\b``, ``\\s``, ``\\d`` and case-insensitivity differ only outside ASCII),
so titles with any other character (accents, tabs, ``–``) take the scalar
functions: the results are identical to the scalar functions on every title
(``tests/test_titles.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TITLE_DLC = re.compile(
    r"\b(?:DLC|Expansion|Season Pass|Character Pack|Melody Pack|Story Pack|Multiplayer Pack"
    r"|Side Story|Episode \d+|Add-On|Challenge Pack|Fighters Pass)\b",
    re.IGNORECASE,
)
_TITLE_PORT = re.compile(
    r"\b(?:HD|Deluxe|Remaster(?:ed)?|Definitive Edition|Complete Edition|DX|Arcade Archives"
    r"|Virtual Console|Returns|Reloaded|Anniversary|Collection|Trilogy|Plus)\b",
    re.IGNORECASE,
)
_TITLE_SEQUEL = re.compile(r"(?:\b(?:[2-9]|1[0-9]|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)\b)")
_EDITION_WORDS = re.compile(
    r"\b(?:hd|deluxe|remaster(?:ed)?|definitive|complete|edition|dx|3d|plus|returns|ultimate"
    r"|for nintendo switch|special|game of the year|goty)\b"
)
_ROMAN_OR_NUMBER = re.compile(r"\b(?:\d+|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\b")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
#: Where a base title ends (a `` - `` subtitle) and where a franchise key ends (also ``:``).
_BASE_END = r"\s+-\s+|\s+–\s+"
_FRANCHISE_END = r":|\s+-\s+|\s+–\s+"
#: Titles the compiled kernels handle (elsewhere RE2 and ``re`` may disagree).
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"

#: Columns of :func:`title_features`, with their dtypes.
TITLE_FEATURES: dict[str, str] = {
    "is_dlc": "bool",
    "is_port": "bool",
    "is_sequel": "bool",
    "has_subtitle": "bool",
    "title_length": "int64",
    "franchise": "object",
    "base_title": "object",
}


def _text(title: Any) -> str:
    """The title as text; a missing title is ``""``."""
    if title is None or (isinstance(title, float) and np.isnan(title)):
        return ""
    return str(title)


def base_title(title: Any) -> str:
    """Title with edition, platform and DLC decorations removed, lower-case.

    Ports and re-releases of one game share a base title, which is what the
    grouped cross-validation uses as its group key.
    """
    text = _text(title).lower()
    text = re.split(_BASE_END, text, maxsplit=1)[0]
    text = _EDITION_WORDS.sub(" ", text)
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def franchise_key(title: Any) -> str:
    """Franchise key: the title's main part, before any ``:`` subtitle, without numbers."""
    text = _text(title).lower()
    text = re.split(_FRANCHISE_END, text, maxsplit=1)[0]
    text = _EDITION_WORDS.sub(" ", text)
    text = _NON_ALNUM.sub(" ", text)
    text = _ROMAN_OR_NUMBER.sub(" ", text)
    words = text.split()
    return " ".join(words[:3])


def title_flag_values(title: Any) -> tuple[bool, bool, bool, bool, int]:
    """``(is_dlc, is_port, is_sequel, has_subtitle, title_length)`` of one title."""
    text = _text(title)
    return (
        bool(_TITLE_DLC.search(text)),
        bool(_TITLE_PORT.search(text)),
        bool(_TITLE_SEQUEL.search(text)),
        ":" in text or " - " in text,
        len(text),
    )


def scalar_title_features(title: Any) -> tuple:
    """The :data:`TITLE_FEATURES` of one title, by the scalar functions (the reference)."""
    return (*title_flag_values(title), franchise_key(title), base_title(title))


#: Titles handled at a time by :func:`title_features` and :func:`normalise_titles`: the
#: kernels' intermediate arrays stay this long on a day of a million new titles (each
#: title's result depends on that title only, so the blocks give the one-pass result).
TITLE_BLOCK = 100_000


def _in_blocks(func: Callable[[pd.Series], Any], titles: pd.Series) -> Any:
    """``func(titles)``, evaluated :data:`TITLE_BLOCK` titles at a time."""
    blocks = range(0, len(titles), TITLE_BLOCK)
    return pd.concat([func(titles.iloc[start : start + TITLE_BLOCK]) for start in blocks])


def title_features(titles: pd.Series) -> pd.DataFrame:
    """The :data:`TITLE_FEATURES` of every title, column-wise (see the module docstring).

    Equal to :func:`scalar_title_features` applied to each title; a missing
    title counts as ``""``.
    """
    if len(titles) > TITLE_BLOCK:
        return _in_blocks(title_features, titles)
    text = _arrow_text(titles)
    frame = _compiled(text)
    frame.index = titles.index
    other = ~pc.match_substring_regex(text, _PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    if other.any():
        values = titles.to_numpy(dtype=object)[other]
        rows = [scalar_title_features(None if pd.isna(value) else value) for value in values]
        scalar = pd.DataFrame(rows, columns=list(TITLE_FEATURES), index=titles.index[other])
        for column in TITLE_FEATURES:
            frame.loc[other, column] = scalar[column].to_numpy()
    return frame.astype(TITLE_FEATURES)


def _arrow_text(titles: pd.Series) -> pa.Array:
    """The titles as one Arrow string array, a missing title as ``""``."""
    text = pa.array(titles.astype("string").fillna(""))
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _replace(text: pa.Array, pattern: str, replacement: str, **kwargs: Any) -> pa.Array:
    return pc.replace_substring_regex(text, pattern=pattern, replacement=replacement, **kwargs)


#: Byte map of :func:`_words`: a-z and 0-9 kept, every other byte a space.
_ALNUM_BYTES = np.full(256, ord(" "), dtype=np.uint8)
for _byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
    _ALNUM_BYTES[_byte] = _byte


def _words(text: pa.Array, alnum_only: bool = False) -> pa.Array:
    """``" ".join(s.split())`` of each printable-ASCII string, on the bytes at once.

    With ``alnum_only`` every byte other than ``a-z0-9`` first becomes a space
    (``" ".join(re.sub("[^a-z0-9]+", " ", s).split())``). Only spaces are
    whitespace in printable ASCII, so this is byte work: trim, then drop every
    space that follows a space and rebuild the offsets.
    """
    if alnum_only:
        offsets, data = _buffers(text)
        text = _from_buffers(offsets, _ALNUM_BYTES[data])
    offsets, data = _buffers(pc.utf8_trim(text, characters=" "))
    space = data == ord(" ")
    repeated = np.zeros(len(data), dtype=bool)  # a space after a space
    np.logical_and(space[1:], space[:-1], out=repeated[1:])
    # trimmed strings neither start nor end with a space: no run crosses a boundary
    removed_before = np.searchsorted(np.flatnonzero(repeated), offsets)
    return _from_buffers(offsets - removed_before, data[~repeated])


def _buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (from 0) and data bytes of a string array without nulls."""
    text = text.cast(pa.large_string())
    _, offset_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    first, last = int(offsets[0]), int(offsets[-1])
    if data_buffer is None or last == first:
        return offsets - first, np.zeros(0, dtype=np.uint8)
    return offsets - first, np.frombuffer(data_buffer, dtype=np.uint8)[first:last]


def _from_buffers(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1,
        pa.py_buffer(np.ascontiguousarray(offsets, dtype=np.int64)),
        pa.py_buffer(np.ascontiguousarray(data)),
    )


def _first_words(text: pa.Array, count: int) -> pa.Array:
    """The first ``count`` space-separated words of each string (single spaces)."""
    parts = pc.split_pattern(text, pattern=" ", max_splits=count)
    return pc.binary_join(pc.list_slice(parts, 0, count), pa.scalar(" ", pa.large_string()))


def _one_object_per_value(text: pa.Array) -> np.ndarray:
    """The strings as Python objects, one object per distinct value: a block's franchise
    keys repeat (~40 % distinct on a day of new titles), and each repeat would otherwise be
    a string of its own in the feature frame."""
    encoded = pc.dictionary_encode(text)
    if encoded.indices.null_count:
        return text.to_numpy(zero_copy_only=False)
    return encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]


def _compiled(text: pa.Array) -> pd.DataFrame:
    """:data:`TITLE_FEATURES` by RE2 kernels: exact for printable-ASCII titles."""
    lower = pc.utf8_lower(text)
    # The text before the first " - " with edition words blanked; the franchise key's
    # text also ends at the first ":" (the edition words hold neither).
    main = _replace(lower, f"(?:{_BASE_END}).*", "", max_replacements=1)
    main = _replace(main, _EDITION_WORDS.pattern, " ")
    base = _words(main, alnum_only=True)
    franchise = pc.list_element(pc.split_pattern(main, pattern=":", max_splits=1), 0)
    franchise = _words(franchise, alnum_only=True)
    franchise = _words(_replace(franchise, _ROMAN_OR_NUMBER.pattern, " "))
    franchise = _first_words(franchise, 3)
    subtitle = pc.or_(pc.match_substring(text, ":"), pc.match_substring(text, " - "))

    def flag(pattern: re.Pattern[str]) -> np.ndarray:
        ignore_case = bool(pattern.flags & re.IGNORECASE)
        found = pc.match_substring_regex(text, pattern.pattern, ignore_case=ignore_case)
        return found.to_numpy(zero_copy_only=False)

    return pd.DataFrame(
        {
            "is_dlc": flag(_TITLE_DLC),
            "is_port": flag(_TITLE_PORT),
            "is_sequel": flag(_TITLE_SEQUEL),
            "has_subtitle": subtitle.to_numpy(zero_copy_only=False),
            "title_length": pc.utf8_length(text).to_numpy(zero_copy_only=False).astype("int64"),
            # object columns as made (a plain array of strings would be stored as Arrow
            # text, then made Python strings again, one per row, by astype(object))
            "franchise": pd.Series(_one_object_per_value(franchise), dtype=object),
            "base_title": pd.Series(base.to_numpy(zero_copy_only=False), dtype=object),
        }
    )


def normalise_titles(titles: pd.Series) -> pd.Series:
    """Titles with whitespace runs collapsed; a missing title is ``""``."""
    if len(titles) > TITLE_BLOCK:
        return _in_blocks(normalise_titles, titles)
    arrow = _arrow_text(titles)
    out = pd.Series(_words(arrow), index=titles.index, dtype=str)
    other = ~pc.match_substring_regex(arrow, _PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    if other.any():
        # pandas' own whitespace split, as before (the reference for these titles)
        text = titles[other].astype("string").fillna("")
        out[other] = text.str.split().str.join(" ").astype(str)
    return out
