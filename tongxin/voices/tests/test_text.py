"""The Chinese text tools of voices: segmentation, suggested category and library, near-duplicates,
and the evaluation on the labelled data. Plain functions: no database."""

import dataclasses
import io
import random
import time

import pytest
from django.core.management import call_command

from tongxin.voices.management.commands import voices_classifier_eval
from tongxin.voices.text import (
    CATEGORY_CODES,
    DUPLICATE_THRESHOLD,
    LIBRARY_CODES,
    fingerprint,
    near_duplicates,
    similarity,
    suggest,
    tokens,
)
from tongxin.voices.text.classifier import RULE_KEYWORDS
from tongxin.voices.text.corpus import duplicate_pairs, labelled_voices
from tongxin.voices.text.evaluate import evaluate, stratified_folds
from tongxin.voices.text.lexicon import DOMAIN_WORDS, SYNONYMS
from tongxin.voices.text.segment import chinese_number, normalise


@pytest.fixture(scope="module")
def figures():
    return evaluate()


# --- Segmentation -------------------------------------------------------------------------------

@pytest.mark.parametrize("word", DOMAIN_WORDS)
def test_domain_words_are_kept_whole(word):
    assert tokens(word) == [SYNONYMS.get(word, word)]


def test_every_rule_keyword_comes_out_of_segmentation_whole():
    # A keyword jieba cuts apart could never match: the rule would be dead without anyone noticing.
    split = {word: tokens(word) for words in RULE_KEYWORDS.values() for word in words if tokens(word) != [word]}
    assert split == {}


def test_tokens_keep_the_matter_and_drop_stopwords_punctuation_and_digits():
    words = tokens("我们小区的物业费又涨了！停车位也不够，3号楼还想加装电梯。")
    assert {"物业费", "停车位", "加装电梯"} <= set(words)
    assert not {"我们", "的", "了", "也", "！", "，", "。", "3", "号楼"} & set(words)


def test_tokens_fold_synonyms_and_lower_case_latin():
    assert "老人" in tokens("老年人下楼不方便")
    assert "wifi" in tokens("社区的WiFi信号太差")
    assert "wifi" in tokens("社区的ＷｉＦｉ信号太差")  # full-width letters, as some phones type them


@pytest.mark.parametrize("text", ["", "   ", "，。！？……", "😀🙏👍", "123 456"])
def test_tokens_of_nothing_meaningful_are_empty(text):
    assert tokens(text) == []


@pytest.mark.parametrize(("numeral", "value"), [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("一零三", 103), ("两", 2),
])
def test_chinese_numbers(numeral, value):
    assert chinese_number(numeral) == value


def test_chinese_numerals_in_addresses_become_digits_and_others_stay():
    assert normalise("三号楼二单元十二层") == "3号楼2单元12层"
    assert normalise("十五栋一零三室") == "15栋103室"
    # Not an address: 一直 and 三轮车 are words, not numbers.
    assert normalise("一直有三轮车堵路") == "一直有三轮车堵路"


# --- Suggested category and library ---------------------------------------------------------------

CLEAR_CASES = {
    "property": "物业费收了不少，电梯三天两头停",
    "sanitation": "垃圾桶好几天没人清，臭气熏天",
    "elderly_care": "想让社区办个老年食堂，给独居老人送送饭",
    "employment": "下岗以后一直找不到工作，想参加个技能培训",
    "medical": "卫生服务站的医生太少，看病要排很久的队",
    "education": "幼儿园学费太贵，孩子放学也没人托管",
    "public_security": "车棚里的电动车又被偷了，监控也是坏的",
    "traffic": "公交站离得太远，红绿灯路口车又多",
    "culture_facilities": "广场舞没有场地，健身器材也坏了",
    "policy": "养老保险怎么交，退休以后养老金怎么算",
    "assistance": "家里困难，想申请低保和临时救助",
    "utilities": "暖气不热，昨天又停水了",
    "service_conduct": "社区工作人员态度很差，办事推诿扯皮",
    "other": "谢谢社区组织这次座谈会",
}


def test_clear_cases_cover_every_category():
    assert set(CLEAR_CASES) == set(CATEGORY_CODES)


@pytest.mark.parametrize(("category", "text"), CLEAR_CASES.items())
def test_clear_cases_get_their_category(category, text):
    found = suggest(text)
    assert found.category == category
    assert found.library in LIBRARY_CODES
    assert 0.5 <= found.confidence <= 1


def test_keywords_say_why():
    found = suggest("物业费太贵了，电梯还老坏")
    assert found.category == "property"
    assert {"物业费", "电梯"} <= set(found.keywords)
    assert len(found.keywords) <= 3


def test_a_suggestion_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        suggest("电梯坏了").category = "other"


@pytest.mark.parametrize(("kind", "library"), [
    ("suggestion", "suggestion"), ("difficulty", "difficulty"), ("complaint", "problem"),
])
def test_the_kind_informs_the_library_when_the_text_does_not_decide(kind, library):
    assert suggest("社区能不能帮帮我们", kind).library == library


@pytest.mark.parametrize(("text", "kind", "library"), [
    # Filed as a suggestion, but it is a fault to fix: 问题库.
    ("建议赶紧把3号楼漏水的管子修一下", "suggestion", "problem"),
    ("建议把小区的下水道疏通一下，一楼都返水了", "suggestion", "problem"),
    # Filed as an opinion, but it is a family's hardship: 难点库.
    ("老伴瘫在床上，孩子还在上学，家里实在撑不下去了", "opinion", "difficulty"),
    # A wish for everyone, not for one's own family: 建议库.
    ("希望社区多组织点文艺活动", "wish", "suggestion"),
])
def test_the_text_can_outweigh_the_kind(text, kind, library):
    assert suggest(text, kind).library == library


@pytest.mark.parametrize("text", [
    "", "   \n\t ", "，。！？……——", "😀😀🙏👍", "hello world", "The elevator is broken, please fix it", "123456",
])
def test_nothing_to_go_on_is_other_with_no_confidence(text):
    found = suggest(text)
    assert found.category == "other"
    assert found.confidence == 0
    assert found.keywords == ()
    assert found.library in LIBRARY_CODES


@pytest.mark.parametrize("kind", [None, "opinion", "no-such-kind"])
def test_odd_kinds_never_raise(kind):
    assert suggest("电梯坏了", kind).category == "property"


def test_mixed_english_and_chinese_is_read():
    assert suggest("小区APP上报修电梯三天没人理").category == "property"


def test_ten_thousand_characters_never_raise():
    rng = random.Random(7)
    noise = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(10_000))
    assert suggest(noise).category in CATEGORY_CODES
    assert suggest("电梯坏了" * 2_500, "complaint") == suggest("电梯坏了" * 2_500, "complaint")
    assert suggest("电梯坏了" * 2_500).category == "property"


# --- Near-duplicates ------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("3号楼电梯又坏了，老人上下楼很困难", "三号楼的电梯坏了好几天了，老年人下楼不方便"),
    ("小区东门的垃圾桶满了好几天没人清，臭得不行", "东门那边的垃圾桶都溢出来了，好几天没人来收，太臭了"),
    ("10号楼暖气漏水", "十号楼的暖气管子漏水了"),
    ("希望小区能办个老年食堂", "建议在咱们小区开个老年食堂，老人吃饭方便"),
])
def test_the_same_matter_in_other_words_is_a_near_duplicate(a, b):
    assert similarity(a, b) >= DUPLICATE_THRESHOLD
    assert similarity(a, b) == similarity(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("3号楼电梯坏了", "5号楼楼道灯不亮"),  # same category, another matter
    ("3号楼电梯坏了", "5号楼电梯坏了"),  # same matter, another building
    ("三号楼电梯坏了", "5号楼电梯坏了"),
    ("3号楼2单元楼顶漏水", "3号楼4单元楼顶漏水"),  # same building, another unit
    ("暖气不热，屋里才十四度", "停水三天了也没通知"),
])
def test_different_matters_are_not_near_duplicates(a, b):
    assert similarity(a, b) < DUPLICATE_THRESHOLD


def test_similarity_bounds():
    assert similarity("3号楼电梯坏了", "3号楼电梯坏了") == pytest.approx(1.0)
    assert similarity("3号楼电梯坏了", "三号楼电梯坏了") == pytest.approx(1.0)
    for a, b in [("", ""), ("", "电梯坏了"), ("😀", "😀"), ("，，", "电梯坏了")]:
        assert similarity(a, b) == 0


def test_near_duplicates_among_five_thousand_candidates():
    # Labelled voices, each made distinct by a building number, none about a lift: the only lift
    # voices are the two planted ones, one the same matter and one another building's.
    rng = random.Random(11)
    others = [v.text for v in labelled_voices() if "电梯" not in v.text]
    candidates = [(i, f"{rng.randint(12, 40)}号楼{others[i % len(others)]}") for i in range(5_000)]
    candidates += [(90_001, "三号楼的电梯坏了好几天了，老年人下楼不方便"), (90_002, "7号楼电梯坏了好几天了")]
    rng.shuffle(candidates)
    text = "3号楼电梯又坏了，老人上下楼很困难"

    started = time.perf_counter()
    found = near_duplicates(text, candidates)
    elapsed = time.perf_counter() - started
    print(f"near_duplicates against {len(candidates)} candidates: {elapsed * 1000:.0f} ms")  # pytest -s shows it

    assert found[0][0] == 90_001
    assert 90_002 not in [pk for pk, _score in found]
    assert len(found) <= 5
    assert all(score >= DUPLICATE_THRESHOLD for _pk, score in found)
    assert [score for _pk, score in found] == sorted((score for _pk, score in found), reverse=True)
    # Stored fingerprints give the same answer.
    assert near_duplicates(text, [(pk, fingerprint(t)) for pk, t in candidates]) == found


def test_near_duplicates_limit_and_threshold():
    candidates = [(1, "三号楼电梯坏了"), (2, "3号楼的电梯坏了"), (3, "3号楼电梯坏了好几天"), (4, "5号楼楼道灯不亮")]
    assert [pk for pk, _ in near_duplicates("3号楼电梯坏了", candidates, limit=2)] == [1, 2]
    assert near_duplicates("3号楼电梯坏了", candidates, threshold=1.01) == []
    assert near_duplicates("", candidates) == []
    assert near_duplicates("3号楼电梯坏了", []) == []


# --- The labelled data and the figures ------------------------------------------------------------

def test_the_labelled_data_is_large_and_varied_enough():
    voices = labelled_voices()
    assert len(voices) >= 420
    assert len({v.text for v in voices}) == len(voices)
    for code in CATEGORY_CODES:
        assert sum(v.category == code for v in voices) >= 25, code
    assert {v.library for v in voices} == set(LIBRARY_CODES)
    assert all(8 <= len(v.text) <= 120 for v in voices)
    pairs = duplicate_pairs()
    assert len(pairs) >= 80
    assert sum(p.same for p in pairs) == len(pairs) // 2


def test_folds_are_stratified_and_fixed():
    voices = labelled_voices()
    folds = stratified_folds(voices, lambda v: v.category)
    assert sorted(v.text for fold in folds for v in fold) == sorted(v.text for v in voices)
    for code in CATEGORY_CODES:
        sizes = [sum(v.category == code for v in fold) for fold in folds]
        assert max(sizes) - min(sizes) <= 1
    assert stratified_folds(voices, lambda v: v.category) == folds


def test_cross_validated_figures_stay_above_their_floors(figures):
    # Floors a little below the figures measured when the data shipped (0.786, 0.921, 0.835):
    # a change that drops below them made things worse.
    classifier, duplicates = figures["classifier"], figures["duplicates"]
    assert classifier["category_accuracy"] >= 0.75
    assert classifier["library_accuracy"] >= 0.88
    assert duplicates["f1"] >= 0.80
    assert duplicates["recall"] >= 0.90
    assert duplicates["cross_validated_f1"] >= 0.78
    # The confidence means what it says: on average about as sure as it is right.
    assert abs(classifier["mean_confidence"] - classifier["category_accuracy"]) < 0.1
    assert set(classifier["per_category"]) == set(CATEGORY_CODES)


def test_the_command_prints_the_figures(figures, monkeypatch):
    monkeypatch.setattr(voices_classifier_eval, "evaluate", lambda: figures)
    out = io.StringIO()
    call_command(voices_classifier_eval.Command(), stdout=out)
    printed = out.getvalue()
    assert f"分类准确率 {figures['classifier']['category_accuracy']:.1%}" in printed
    assert "物业" in printed and "其他" in printed
    assert f"F1 {figures['duplicates']['f1']:.3f}" in printed
