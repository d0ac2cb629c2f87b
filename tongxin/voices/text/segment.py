"""Normalising and segmenting residents' Chinese text.

``normalise`` makes two spellings of the same thing one: full-width letters and digits become
half-width, Latin letters lower-case, and Chinese numerals in addresses become digits (三号楼 →
3号楼, 二单元 → 2单元), because residents write a building both ways. ``tokens`` cuts the result
with jieba in precise mode, with our domain words kept whole."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata

import jieba

from .lexicon import DOMAIN_WORDS, STOPWORDS, SYNONYMS

# jieba logs "Building prefix dict…" at DEBUG to stderr every time a process starts.
jieba.setLogLevel(logging.WARNING)

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                   "七": 7, "八": 8, "九": 9}
# Only numerals followed by an address word: elsewhere 一 and 三 are parts of words (一直, 三轮车).
_ADDRESS_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+(?=号|栋|幢|单元|层|楼|室|排|组|期)")
# A token says something when it has a Chinese character or a Latin letter: this drops
# punctuation, emoji and bare numbers.
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffa-z]")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def chinese_number(numeral: str) -> int:
    """三 → 3, 十二 → 12, 二十三 → 23, 一百零五 → 105; digit by digit without 十/百 (一零三 → 103)."""
    if "十" not in numeral and "百" not in numeral:
        return int("".join(str(_CHINESE_DIGITS[ch]) for ch in numeral))
    total = current = 0
    for ch in numeral:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CHINESE_DIGITS[ch]
    return total + current


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _ADDRESS_NUMERAL.sub(lambda m: str(chinese_number(m.group())), text)


def _jieba() -> jieba.Tokenizer:
    """Our own tokenizer, set up once per process (about 1 s, or 0.5 s with jieba's cache)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tokenizer = jieba.Tokenizer()
                # jieba caches its prefix dictionary in a file; the system temp directory is
                # writable wherever we run, and a lost cache only costs a second.
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word)  # jieba picks a frequency that keeps it whole
                _tokenizer = tokenizer
    return _tokenizer


def tokens(text: str) -> list[str]:
    """The meaningful words of a text, in order: jieba precise mode on the normalised text, without
    stopwords, punctuation, emoji and digits, synonyms folded to one spelling (老年人 → 老人)."""
    words = _jieba().lcut(normalise(text))
    return [SYNONYMS.get(word, word) for word in words
            if word not in STOPWORDS and _MEANINGFUL.search(word)]
