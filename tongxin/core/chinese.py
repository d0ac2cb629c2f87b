"""Chinese text helpers shared by several apps."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Lower-case pinyin initials of a name: 张三丰 → zsf. Letters in the name are kept."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(part[:1] for part in letters).lower()
