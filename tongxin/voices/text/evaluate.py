"""How well the text tools do on the labelled data that ships with them.

The classifier is measured by stratified 5-fold cross-validation: every labelled voice is
suggested by a model trained without it. The keyword rules were written by someone who had read
the data, so the figure is somewhat optimistic for voices worded unlike any in it.

The duplicate detector is measured on the labelled pairs at ``DUPLICATE_THRESHOLD``. Because that
threshold was chosen looking at the same pairs, the figure is also given with the threshold
chosen by cross-validation (picked on four fifths of the pairs, applied to the fifth)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TypeVar

from .classifier import VoiceClassifier
from .codes import CATEGORY_CODES
from .corpus import duplicate_pairs, labelled_voices
from .duplicates import DUPLICATE_THRESHOLD, similarity

FOLDS = 5
SEED = 2014  # fixed, so that two runs print the same figures

T = TypeVar("T")


def stratified_folds(items: Sequence[T], label_of, k: int = FOLDS, seed: int = SEED) -> list[list[T]]:
    """k folds, each with about the same share of every label."""
    by_label: dict[str, list[T]] = defaultdict(list)
    for item in items:
        by_label[label_of(item)].append(item)
    rng = random.Random(seed)
    folds: list[list[T]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        for i, item in enumerate(group):
            folds[(offset + i) % k].append(item)
        offset += len(group)  # so that the small remainders do not all land in the first fold
    return folds


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _classifier_figures() -> dict:
    voices = labelled_voices()
    folds = stratified_folds(voices, lambda v: v.category)
    results = []  # (voice, suggestion)
    for i, held_out in enumerate(folds):
        model = VoiceClassifier(v for j, fold in enumerate(folds) if j != i for v in fold)
        results += [(v, model.suggest(v.text, v.kind)) for v in held_out]
    true_by_category = Counter(v.category for v, _ in results)
    predicted_by_category = Counter(s.category for _, s in results)
    right_by_category = Counter(v.category for v, s in results if s.category == v.category)
    per_category = {
        code: {
            "precision": round(_ratio(right_by_category[code], predicted_by_category[code]), 3),
            "recall": round(_ratio(right_by_category[code], true_by_category[code]), 3),
            "support": true_by_category[code],
        }
        for code in CATEGORY_CODES
    }
    confusions = Counter((v.category, s.category) for v, s in results if s.category != v.category)
    return {
        "voices": len(results),
        "category_accuracy": round(_ratio(sum(right_by_category.values()), len(results)), 3),
        "library_accuracy": round(_ratio(sum(v.library == s.library for v, s in results), len(results)), 3),
        "mean_confidence": round(sum(s.confidence for _, s in results) / len(results), 3),
        "per_category": per_category,
        "confusions": [(true, predicted, n) for (true, predicted), n in confusions.most_common()],
    }


def _duplicate_counts(scored: Sequence[tuple[float, bool]], threshold: float) -> tuple[int, int, int]:
    true_positive = sum(1 for score, same in scored if same and score >= threshold)
    false_positive = sum(1 for score, same in scored if not same and score >= threshold)
    false_negative = sum(1 for score, same in scored if same and score < threshold)
    return true_positive, false_positive, false_negative


def _best_threshold(scored: Sequence[tuple[float, bool]]) -> float:
    def f1_at(threshold: float) -> float:
        tp, fp, fn = _duplicate_counts(scored, threshold)
        return _f1(_ratio(tp, tp + fp), _ratio(tp, tp + fn))
    return max((score for score, _ in scored), key=f1_at)


def _duplicate_figures() -> dict:
    scored = [(similarity(p.a, p.b), p.same) for p in duplicate_pairs()]
    tp, fp, fn = _duplicate_counts(scored, DUPLICATE_THRESHOLD)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    cv_tp = cv_fp = cv_fn = 0
    folds = stratified_folds(scored, lambda s: str(s[1]))
    for i, held_out in enumerate(folds):
        threshold = _best_threshold([s for j, fold in enumerate(folds) if j != i for s in fold])
        fold_tp, fold_fp, fold_fn = _duplicate_counts(held_out, threshold)
        cv_tp, cv_fp, cv_fn = cv_tp + fold_tp, cv_fp + fold_fp, cv_fn + fold_fn
    cv_precision, cv_recall = _ratio(cv_tp, cv_tp + cv_fp), _ratio(cv_tp, cv_tp + cv_fn)
    return {
        "pairs": len(scored),
        "threshold": DUPLICATE_THRESHOLD,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(_f1(precision, recall), 3),
        "cross_validated_f1": round(_f1(cv_precision, cv_recall), 3),
    }


def evaluate() -> dict:
    """Cross-validated figures of the classifier and the duplicate detector; reads files only."""
    return {"classifier": _classifier_figures(), "duplicates": _duplicate_figures()}
