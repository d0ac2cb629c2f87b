"""The labelled data that ships with the app (``tongxin/voices/data``): voices sorted by hand,
which train the classifier, and pairs of voices marked as the same matter or not."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .codes import CATEGORY_CODES, KIND_CODES, LIBRARY_CODES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class LabelledVoice(NamedTuple):
    text: str
    category: str
    library: str
    kind: str


class VoicePair(NamedTuple):
    a: str
    b: str
    same: bool


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def labelled_voices() -> tuple[LabelledVoice, ...]:
    voices = tuple(LabelledVoice(r["text"], r["category"], r["library"], r["kind"])
                   for r in _rows("labelled_voices.tsv"))
    # A typo in a hand-edited file would otherwise train a category nobody can choose.
    for line, v in enumerate(voices, start=2):
        if v.category not in CATEGORY_CODES or v.library not in LIBRARY_CODES or v.kind not in KIND_CODES:
            raise ValueError(f"labelled_voices.tsv line {line}: unknown code in {v!r}")
    return voices


@cache
def duplicate_pairs() -> tuple[VoicePair, ...]:
    return tuple(VoicePair(r["a"], r["b"], r["same"] == "1") for r in _rows("duplicate_pairs.tsv"))
