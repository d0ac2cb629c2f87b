"""Finding near-duplicate voices: the same matter said in other words by another resident, so that
staff can merge them and it is counted once.

A text's fingerprint is the set of its Chinese characters and character bigrams, each weighted by
its inverse document frequency in the labelled voices (rare words such as 化粪池 count for more
than 小区 or 社区); two fingerprints are compared by cosine. Characters and bigrams catch
paraphrases that share no whole word (加装电梯 / 装个电梯), and they need no jieba: a fingerprint
takes about 60 µs, so a text can be checked against thousands of others at once. Adding jieba's
words scored no better on the labelled pairs and costs another 180 µs a text.

Addresses are compared apart: 三号楼 and 3号楼 are the same building (see ``normalise``), and two
voices about different buildings, units, floors or rooms are different matters however alike the
rest of their words, so the score is cut to a fifth."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

from .corpus import labelled_voices
from .lexicon import SYNONYMS
from .segment import normalise

DUPLICATE_THRESHOLD = 0.25
ADDRESS_CONFLICT_FACTOR = 0.2

# Characters that carry grammar, not the matter: dropped before taking bigrams, so that
# "电梯坏了" and "电梯又坏了" share the bigram 梯坏.
_FUNCTION_CHARS = frozenset("的了吗呢吧啊呀哦嘛啦么着过都也就还又很太挺真我你他她它们这那是在有个些把被给让")
_CHINESE = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z]+")
_ADDRESS = re.compile(r"(\d+)(号楼|号院|号|栋|幢|单元|层|楼|室|路)")
# What an address number counts: 3号楼 and 3栋 are both building 3; 楼 after a bare number is a floor.
_ADDRESS_PART = {"号楼": "building", "号院": "building", "号": "building", "栋": "building", "幢": "building",
                 "单元": "unit", "层": "floor", "楼": "floor", "室": "room", "路": "route"}
# Longest first, and every spelling mapping to itself as well, so that 停车位 is not read as
# 停 + 车位 and 老年人 is matched before 老人.
_SPELLINGS = {**{word: word for word in SYNONYMS.values()}, **SYNONYMS}
_SYNONYM = re.compile("|".join(sorted(map(re.escape, _SPELLINGS), key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    weights: dict[str, float]  # feature → weight
    norm: float
    addresses: frozenset[tuple[str, str]]  # (part, number): ("building", "3")


def _features(text: str) -> tuple[set[str], frozenset[tuple[str, str]]]:
    text = normalise(text)
    addresses = frozenset((_ADDRESS_PART[part], number.lstrip("0") or "0")
                          for number, part in _ADDRESS.findall(text))
    text = _SYNONYM.sub(lambda m: _SPELLINGS[m.group()], text)
    features = set(_LATIN_WORD.findall(text))
    for run in _CHINESE.findall(text):
        chars = [ch for ch in run if ch not in _FUNCTION_CHARS]
        features.update(chars)
        features.update(a + b for a, b in pairwise(chars))
    return features, addresses


@cache
def _idf() -> tuple[dict[str, float], float]:
    """Inverse document frequency of each feature in the labelled voices, and that of an unseen one."""
    voices = labelled_voices()
    df = Counter(feature for v in voices for feature in _features(v.text)[0])
    unseen = math.log(len(voices) + 1) + 1
    return {f: math.log((len(voices) + 1) / (n + 1)) + 1 for f, n in df.items()}, unseen


@lru_cache(maxsize=20_000)
def fingerprint(text: str) -> Fingerprint:
    """What ``similarity`` compares; cached, and cheap to keep for texts checked again and again."""
    features, addresses = _features(text)
    idf, unseen = _idf()
    weights = {f: idf.get(f, unseen) for f in features}
    return Fingerprint(weights, math.sqrt(sum(w * w for w in weights.values())), addresses)


def _addresses_conflict(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both name a building (or unit, floor, room, bus route) and no number of it is shared."""
    if not a or not b:
        return False
    parts = {part for part, _ in a} & {part for part, _ in b}
    return any(not ({n for p, n in a if p == part} & {n for p, n in b if p == part}) for part in parts)


def _compare(a: Fingerprint, b: Fingerprint) -> float:
    if not a.norm or not b.norm:
        return 0.0
    small, large = (a.weights, b.weights) if len(a.weights) <= len(b.weights) else (b.weights, a.weights)
    dot = sum(w * large[f] for f, w in small.items() if f in large)
    score = dot / (a.norm * b.norm)
    if _addresses_conflict(a.addresses, b.addresses):
        score *= ADDRESS_CONFLICT_FACTOR
    return min(score, 1.0)  # rounding can push identical texts a hair over 1


def similarity(a: str, b: str) -> float:
    """0..1: how likely two voices are the same matter; ``DUPLICATE_THRESHOLD`` and above is flagged."""
    return _compare(fingerprint(a), fingerprint(b))


def near_duplicates(text: str, candidates: Iterable[tuple[int, str | Fingerprint]], *,
                    threshold: float = DUPLICATE_THRESHOLD, limit: int = 5) -> list[tuple[int, float]]:
    """The candidates (id, text or its fingerprint) that say the same as ``text``, best first."""
    own = fingerprint(text)
    found = []
    for candidate_id, other in candidates:
        score = _compare(own, other if isinstance(other, Fingerprint) else fingerprint(other))
        if score >= threshold:
            found.append((candidate_id, round(score, 3)))
    found.sort(key=lambda pair: -pair[1])
    return found[:limit]
