"""Suggesting a voice's category and library from its Chinese text; staff confirm.

How the keyword rules and the model combine
-------------------------------------------
Two multinomial naive Bayes models are trained on the labelled voices that ship with the app
(``data/labelled_voices.tsv``) the first time a suggestion is asked for: one over the categories,
one over the libraries. Each scores a label by log P(label) + Σ log P(token | label).

Keyword rules add what a few hundred examples cannot teach reliably: each distinct strong keyword
of a category in the text (物业费, 电梯 → property; 低保, 救助 → assistance) adds ``RULE_WEIGHT`` to
that category's log score, i.e. multiplies its odds by e^RULE_WEIGHT. A keyword is evidence, not a
verdict: a text with keywords of two categories (低保 in a complaint about a rude clerk) is decided
by its other words.

The library model adds the kind of the voice the same way: ``KIND_WEIGHT`` × log P(kind | library),
learnt from the labelled data, so a suggestion leans to 建议库 and a difficulty to 难点库. Each
phrase naming a fault in the text (漏水, 坏, 堵, 停电) adds ``FAULT_WEIGHT`` to 问题库: strong enough
that a "suggestion" which is really a complaint about a leaking pipe lands in 问题库, because the
text outweighs the kind.

The confidence is the chosen category's share of the probability (the softmax of the scores).
In 5-fold cross-validation it is roughly calibrated: voices suggested with confidence above 0.8
were right about nine times in ten, those below 0.4 about one time in three
(``manage.py voices_classifier_eval`` prints the mean confidence beside the accuracy). A text with
no word the model knows and no keyword is ``other`` with confidence 0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from .codes import KIND_CODES, OTHER
from .corpus import LabelledVoice, labelled_voices
from .lexicon import word_set
from .segment import normalise, tokens

ALPHA = 1.0  # add-alpha smoothing of the word counts
RULE_WEIGHT = 4.0
KIND_WEIGHT = 1.5
FAULT_WEIGHT = 4.5
MAX_KEYWORDS = 3

# Words that on their own say what a voice is about. Each must come out of ``tokens`` whole
# (the tests check it), so compound words are listed as jieba cuts them.
RULE_KEYWORDS: dict[str, frozenset[str]] = {
    "property": word_set("""物业 物业费 物业管理 维修基金 业主 业主委员会 业委会 电梯 加装电梯 保安 门卫
        门禁 小区门禁 门禁卡 停车位 车位管理费 停车费 车库 地下车库 充电桩 楼道灯 闭门器 道闸 违章搭建
        保洁 绿化 绿化带 报修 维修 楼顶 外墙 墙皮 车棚 雨棚 装修"""),
    "sanitation": word_set("""垃圾 垃圾桶 垃圾站 垃圾分类 厨余垃圾 建筑垃圾 垃圾袋 垃圾场 化粪池 小广告
        卫生死角 老鼠 蚊子 苍蝇 蟑螂 狗屎 粪便 排污口 污水 油烟 环卫 环卫工人 清运 脏 臭 异味 臭味
        扬尘 灰尘 渣土 公共厕所 厕所 旱厕 改厕 污染 环境 卫生 打扫 清扫 杂草 废品 焚烧"""),
    "elderly_care": word_set("""老年食堂 日间照料 日间照料中心 养老院 敬老院 养老 助餐 助餐点 送餐 养老驿站
        居家养老 空巢老人 独居老人 高龄津贴 老年大学 助浴 护工 护理员 助老员 失能 卧床 老年痴呆
        重阳节 适老化 养老服务 老年活动室"""),
    "employment": word_set("""就业 失业 下岗 招聘 招聘会 招工 岗位 公益性岗位 零工 打零工
        零工市场 工资 欠薪 拖欠 创业 工伤 失业金 灵活就业 工作 农民工 技能培训 职业技能 骑手
        外卖 快递员 抽成 见习 实习 人才市场 车间 工厂 工地 老板 辞退 裁员 劳动合同 补偿款"""),
    "medical": word_set("""医保 医保卡 医保局 医院 卫生服务站 卫生室 诊所 医生 村医 护士 家庭医生 看病
        就医 挂号 报销 疫苗 体检 慢病门诊 慢性病 义诊 药 药店 吃药 买药 降压药 胰岛素 住院 门诊 急救
        急救车 救护车 透析 化疗 癌症 尿毒症 糖尿病 高血压 中风 精神病 抑郁 心理咨询 筛查 中医 针灸
        病"""),
    "education": word_set("""学校 小学 初中 高中 中学 大学 幼儿园 老师 教师 班主任 学生 课后托管 课后服务
        托管 托管班 作业 上学 放学 学费 四点半课堂 补课 家长会 家长 校服 教辅 学位 学区 入学 寄宿
        校车 网课 特殊教育 辅导 考试 升学 辍学 校外培训"""),
    "public_security": word_set("""小偷 偷 盗窃 监控 诈骗 防诈骗 反诈 骗 骗子 骗局 打架 斗殴 赌钱
        赌博 飞线充电 高空抛物 群租房 消防 消防通道 灭火器 烟感报警器 火灾 报警 派出所 警察 民警 巡逻
        巡逻队 传销 抢 抢包 抢劫 混混 保护费 威胁 治安 隐患 危险 酒驾 醉驾 咬人 咬伤 私拉乱接"""),
    "traffic": word_set("""公交 公交站 公交车 末班公交 公交线路 站牌 班车 地铁 地铁站 火车站 红绿灯
        斑马线 占道经营 堵车 马路 路口 十字路口 人行道 非机动车道 天桥 过街天桥 共享单车 减速带 网约车
        出租车 打车 交警 车祸 交通事故 路面 修路 道路 单行 限行 货车 大车 测速 候车亭 换乘 直达
        拥堵 出行"""),
    "culture_facilities": word_set("""广场舞 健身器材 健身 活动室 图书室 图书馆 书屋 农家书屋 文化广场
        文化站 文化活动 文艺 篮球场 篮球架 足球场 羽毛球 乒乓球 乒乓球室 棋牌室 秧歌队 合唱团 合唱队
        书法 绘画 舞蹈 跳舞 唱戏 戏台 露天电影 电影 游乐场 凉亭 健身步道 体育馆 运动场 联欢会
        文化墙 音响"""),
    "policy": word_set("""政策 养老金 双轨制 养老保险 社保 公积金 住房公积金 居住证 宅基地 户口 户籍
        落户 拆迁 棚户区改造 老旧小区改造 生育补贴 育儿补贴 房产证 不动产 确权 土地确权
        承包地 抚恤金 丧葬费 丧葬补助金 退役军人 优待证 个人所得税 独生子女 计划生育 新农合 参保
        符合条件"""),
    "assistance": word_set("""低保 低保户 低保金 低保边缘户 临时救助 大病救助 救助 特困 特困供养 五保户
        危房改造 困难户 困难家庭 困难群众 帮扶 结对帮扶 两项补贴 残疾人 孤寡老人 孤儿 单亲 脱贫 返贫
        慈善 捐款 爱心超市 救济 贫困 撑不下去 供不起"""),
    "utilities": word_set("""停水 停电 断电 暖气 供暖 供暖费 采暖 热力公司 换热站 下水道 排水 路灯
        自来水 自来水管 水管 水压 水费 燃气 天然气 燃气表 燃气公司 煤气 电费 电表 电表箱 电线 电压
        跳闸 井盖 二次供水 水箱 爆管 供水 供电 用电 用水 水质 水井 抄表"""),
    "service_conduct": word_set("""态度 服务态度 工作人员 网格员 办事大厅 服务大厅 窗口 推诿扯皮 推诿 扯皮
        形式主义 官僚主义 迟到早退 敷衍 首问负责制 盖章 推来推去 不耐烦 爱答不理 作风 办事员
        办事 留痕 拍照留痕 走过场 好处费 吃拿卡要 回音 效率"""),
}

# Something is broken or going wrong now: a matter for 问题库 whatever the voice was filed as.
# Matched in the text rather than among the tokens, because jieba's guesses at unknown words glue
# them to their neighbours (又坏了 is one token).
FAULT_PHRASES = re.compile("坏|漏水|漏雨|渗水|返水|溢|堵|不亮|不热|臭|断货|困人|刷不开|打不通|没人管|没人修"
                           "|停水|停电|跳闸|出毛病|故障|用不了|不能用")


class NaiveBayes:
    """Multinomial naive Bayes over token lists, with add-alpha smoothing."""

    def __init__(self, docs: Sequence[Sequence[str]], labels: Sequence[str], alpha: float = ALPHA):
        counts: dict[str, Counter[str]] = {label: Counter() for label in labels}
        for doc, label in zip(docs, labels, strict=True):
            counts[label].update(doc)
        self.labels = tuple(sorted(counts))
        self.vocabulary = frozenset(token for c in counts.values() for token in c)
        label_counts = Counter(labels)
        self.log_prior = {label: math.log(label_counts[label] / len(labels)) for label in self.labels}
        self.log_likelihood: dict[str, dict[str, float]] = {}
        for label, c in counts.items():
            denominator = sum(c.values()) + alpha * len(self.vocabulary)
            self.log_likelihood[label] = {t: math.log((c[t] + alpha) / denominator) for t in self.vocabulary}

    def log_scores(self, doc: Iterable[str]) -> dict[str, float]:
        known = [token for token in doc if token in self.vocabulary]
        return {label: self.log_prior[label] + sum(self.log_likelihood[label][t] for t in known)
                for label in self.labels}

    def lift(self, token: str, label: str) -> float:
        """How much more likely the token is under this label than under the labels on average."""
        values = [self.log_likelihood[other][token] for other in self.labels]
        return self.log_likelihood[label][token] - sum(values) / len(values)


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {label: math.exp(s - top) for label, s in scores.items()}
    total = sum(exp.values())
    return {label: e / total for label, e in exp.items()}


@dataclass(frozen=True)
class Suggestion:
    category: str
    library: str
    confidence: float  # of the category, 0..1
    keywords: tuple[str, ...]  # the words that weighed most, to show staff why


class VoiceClassifier:
    def __init__(self, voices: Iterable[LabelledVoice]):
        voices = list(voices)
        docs = [tokens(v.text) for v in voices]
        self.categories = NaiveBayes(docs, [v.category for v in voices])
        self.libraries = NaiveBayes(docs, [v.library for v in voices])
        kinds = {library: Counter() for library in self.libraries.labels}
        for v in voices:
            kinds[v.library][v.kind] += 1
        self.kind_log_likelihood = {
            library: {kind: math.log((c[kind] + 1) / (sum(c.values()) + len(KIND_CODES))) for kind in KIND_CODES}
            for library, c in kinds.items()
        }

    def suggest(self, text: str, kind: str | None = None) -> Suggestion:
        words = tokens(text)
        present = set(words)
        hits = {category: keywords & present for category, keywords in RULE_KEYWORDS.items()}
        library = self._library(text, words, kind)
        if not any(hits.values()) and not present & self.categories.vocabulary:
            return Suggestion(OTHER, library, 0.0, ())
        scores = self.categories.log_scores(words)
        for category, found in hits.items():
            scores[category] += RULE_WEIGHT * len(found)
        probabilities = _softmax(scores)
        category = max(probabilities, key=probabilities.get)
        return Suggestion(category, library, round(probabilities[category], 3),
                          self._keywords(words, category, hits.get(category, set())))

    def _library(self, text: str, words: list[str], kind: str | None) -> str:
        scores = self.libraries.log_scores(words)
        if kind in KIND_CODES:
            for library in scores:
                scores[library] += KIND_WEIGHT * self.kind_log_likelihood[library][kind]
        scores["problem"] += FAULT_WEIGHT * len(set(FAULT_PHRASES.findall(normalise(text))))
        return max(scores, key=scores.get)

    def _keywords(self, words: list[str], category: str, rule_hits: set[str]) -> tuple[str, ...]:
        """The category's keywords in the text first, then the words the model finds most telling."""
        distinct = list(dict.fromkeys(words))  # in order of appearance, so ties break the same way every time
        lifts = {w: self.categories.lift(w, category) for w in distinct
                 if w in self.categories.vocabulary and w not in rule_hits}
        telling = sorted((w for w, lift in lifts.items() if lift > 0), key=lifts.get, reverse=True)
        return tuple([w for w in distinct if w in rule_hits] + telling)[:MAX_KEYWORDS]


@cache
def default_classifier() -> VoiceClassifier:
    """Trained once per process on the shipped labelled data (about 0.2 s after jieba is up)."""
    return VoiceClassifier(labelled_voices())


def suggest(text: str, kind: str | None = None) -> Suggestion:
    """The suggested category and library of a voice; ``kind`` is the voice's kind if known."""
    return default_classifier().suggest(text, kind)
