"""Chinese text tools for residents' voices: segmentation, a suggested category and library for
staff to confirm, and near-duplicate detection. Plain Python over files; no database."""

from .classifier import Suggestion, suggest
from .codes import CATEGORY_CODES, LIBRARY_CODES
from .duplicates import DUPLICATE_THRESHOLD, Fingerprint, fingerprint, near_duplicates, similarity
from .segment import tokens

__all__ = [
    "CATEGORY_CODES",
    "DUPLICATE_THRESHOLD",
    "LIBRARY_CODES",
    "Fingerprint",
    "Suggestion",
    "fingerprint",
    "near_duplicates",
    "similarity",
    "suggest",
    "tokens",
]
