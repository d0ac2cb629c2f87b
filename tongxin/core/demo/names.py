"""Names, ID numbers, phone numbers and ages that look like a street in 通辽市科尔沁区.

Everything is drawn from a ``random.Random`` handed in by the caller, so a fixed seed gives the
same residents every time. The name pools are deliberately modest (a few thousand distinct full
names per street, as in real registers, where 王伟 and 张丽 recur): it keeps the names believable
and lets ``name_initials``' cache make the district-scale load fast.
"""

from __future__ import annotations

import random
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate

from tongxin.core.identity import id_check_char

# Ages, ID numbers and join dates are computed against this fixed day, so that the same seed
# gives the same ID numbers whatever day the demo is loaded.
REFERENCE_DATE = date(2024, 7, 1)


class Weighted:
    """Draw from a list of ``(value, weight)`` pairs in O(log n)."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


# Surnames, weighted roughly as in the north-east and eastern Inner Mongolia: the national top
# names, plus 包, 白, 宝, 吴, 敖 (common among Mongols of 科尔沁) and 佟, 关, 那 (Manchu).
SURNAMES = Weighted([
    ("王", 75), ("李", 70), ("张", 65), ("刘", 55), ("赵", 30), ("杨", 28), ("陈", 25), ("包", 25),
    ("孙", 20), ("于", 14), ("马", 14), ("吴", 14), ("高", 13), ("徐", 12), ("周", 12), ("白", 12),
    ("郭", 10), ("韩", 10), ("黄", 8), ("宋", 8), ("朱", 8), ("胡", 8), ("孟", 7), ("田", 7),
    ("董", 7), ("曹", 6), ("冯", 6), ("崔", 6), ("姜", 6), ("付", 6), ("宝", 6), ("梁", 6),
    ("何", 6), ("郑", 6), ("魏", 6), ("闫", 6), ("石", 5), ("金", 5), ("齐", 5), ("罗", 5),
    ("林", 5), ("许", 5), ("吕", 5), ("苏", 5), ("侯", 5), ("贾", 5), ("丁", 5), ("任", 5),
    ("邓", 4), ("袁", 4), ("沈", 4), ("薛", 4), ("段", 4), ("史", 4), ("姚", 4), ("卢", 4),
    ("谢", 4), ("唐", 4), ("秦", 4), ("常", 4), ("武", 4), ("杜", 4), ("邢", 4), ("敖", 3),
    ("佟", 3), ("关", 3), ("蒋", 3), ("彭", 3), ("尹", 3), ("乔", 3), ("蔡", 3), ("庞", 3),
    ("温", 3), ("范", 3), ("方", 3), ("鲍", 2), ("那", 2), ("钟", 2), ("叶", 2), ("房", 2),
])

# Given names by generation (year of birth) and sex: 建国 and 淑兰 were born in the 1950s,
# 子轩 and 梓涵 after 2005.
_GIVEN = {
    (1955, "M"): "建国 国庆 振华 德明 志远 福林 长海 玉山 树林 宝林 万山 金贵 永福 国栋 德胜 文斌 庆祥 "
                 "凤岐 殿臣 春生 永山 占江 广志 荣华 维新 秉义 玉林 继文 景春 长春 国良 振山 宝贵 "
                 "德山 树森 文华 富 海 林 贵 财 明 奎 祥",
    (1955, "F"): "秀英 桂兰 淑珍 玉兰 凤兰 秀兰 桂芝 淑芬 桂英 玉珍 秀珍 凤英 淑华 翠兰 素梅 兰英 "
                 "桂荣 淑琴 玉芝 秀云 凤琴 淑英 玉梅 秀芝 素珍 凤芝 淑贤 玉华 桂琴 淑清 秀荣 玉清 "
                 "凤霞 淑兰 桂香 兰 珍 芬 英 荣 华",
    (1975, "M"): "建军 卫东 立新 国华 志强 海涛 永生 宏伟 晓东 建平 建华 国强 振江 志刚 海军 庆华 "
                 "建设 红军 学军 春雨 文军 立军 玉龙 铁军 卫国 向东 跃进 永刚 长青 国军 金山 庆丰 "
                 "德成 福生 伟 军 勇 强 刚 斌 平 东 波 峰 力",
    (1975, "F"): "丽华 红梅 秀梅 春燕 玉梅 艳华 晓红 丽萍 红英 淑云 立红 海燕 亚丽 桂香 春霞 彩霞 "
                 "艳玲 红霞 丽君 秀娟 晓梅 丽霞 凤华 春梅 艳红 金凤 玉霞 丽艳 晓霞 秋菊 冬梅 雅琴 "
                 "艳 丽 红 霞 梅 娟 萍 静 芳 敏 燕",
    (1995, "M"): "志伟 海龙 晓峰 建伟 文博 俊杰 鹏飞 宇航 振宇 洪亮 建新 春雷 宏宇 晓龙 立国 海波 "
                 "子健 晓光 国栋 大伟 永强 天宇 明辉 志鹏 海洋 晓宇 俊峰 宏亮 东旭 建宇 鹤 "
                 "磊 伟 鹏 亮 超 涛 鑫 浩 宇 明 杰 博 旭 帅 凯",
    (1995, "F"): "丽娜 婷婷 丽丽 晓燕 美玲 红艳 晓丹 雪梅 春艳 艳秋 秀丽 晓敏 丹丹 佳琪 海英 玉洁 "
                 "晓雪 园园 冬雪 思琪 晓婷 明月 雪莹 美娜 丽媛 晓琳 佳慧 莹莹 金玲 春雨 "
                 "静 娜 敏 丹 莹 雪 晶 佳 倩 慧 璐 楠 颖 爽 琳",
    (2025, "M"): "子轩 浩然 宇轩 梓豪 俊熙 博文 皓轩 一鸣 天佑 明轩 子墨 铭泽 泽宇 嘉豪 思远 宇辰 "
                 "梓睿 浩宇 沐阳 锦程 奕辰 俊宇 承泽 子豪 梓航 煜祺 思源 宸熙 子阳 俊辰 明哲 "
                 "浩轩 子骞 一航 奕博 睿 轩 航 凯 哲 晨 泽",
    (2025, "F"): "梓涵 欣怡 子涵 诗涵 雨萱 一诺 可欣 梦瑶 紫萱 佳怡 语桐 思彤 雨桐 芷若 若曦 安琪 "
                 "欣妍 梓萱 沐晨 雅琪 诗琪 佳欣 语嫣 雨涵 梓琪 欣然 一涵 思雨 梦琪 可馨 紫涵 "
                 "佳琪 依诺 诗雨 悦 萱 涵 琪 彤 玥 冉",
}
GIVEN_NAMES = {key: value.split() for key, value in _GIVEN.items()}

# Mongolian given names, written with or without a (Chinese-style) surname: 包巴特尔, 乌云其木格.
MONGOL_GIVEN = {
    "M": "巴特尔 额尔敦 那日苏 朝鲁 宝音 苏和 毕力格 哈斯 布和 阿木尔 孟和 达来 特木尔 乌力吉 "
         "吉日嘎拉 白音 图门 道尔吉 扎那 青格勒图 巴雅尔 额尔德木图 宝力道 朝格图 达赖 敖其尔 "
         "桑布 图布信 哈斯巴根 吉雅图 斯日古楞 那顺 巴图 乌恩 满都拉 宝力高 阿拉腾 胡格吉乐图".split(),
    "F": "乌云 其木格 萨仁 斯琴 图雅 娜仁 高娃 乌兰 苏日娜 塔娜 其其格 乌日娜 托娅 格日乐 "
         "阿拉坦 斯琴高娃 乌云其木格 萨日娜 娜仁花 敖登 萨茹拉 吉木斯 哈斯其其格 额尔敦其其格 "
         "乌仁 琪琪格 阿荣 金花 诺敏 苏布达 格根 明珠 宝日玛 赛罕 图门其其格 阿拉坦其其格".split(),
}
MONGOL_SURNAMES = Weighted([("包", 30), ("白", 20), ("吴", 12), ("宝", 10), ("韩", 8), ("敖", 6), ("", 14)])


def person_name(rng: random.Random, gender: str, birth_year: int, surname: str | None = None) -> tuple[str, str]:
    """``(full name, surname)``; pass ``surname`` to give a child the father's."""
    # A family without a Chinese-style surname keeps Mongolian names.
    if surname == "" or rng.random() < 0.08:
        prefix = MONGOL_SURNAMES.pick(rng) if surname is None else surname
        return prefix + rng.choice(MONGOL_GIVEN[gender]), prefix
    for upper in (1955, 1975, 1995, 2025):
        if birth_year <= upper:
            break
    prefix = surname if surname is not None else SURNAMES.pick(rng)
    return prefix + rng.choice(GIVEN_NAMES[(upper, gender)]), prefix


# Region codes (GB/T 2260) in ID numbers. People keep the number they were issued, so older
# residents often carry the codes of 哲里木盟 (1523xx, before 通辽 became a prefecture-level city
# in 1999).
REGIONS_NEW = Weighted([
    ("150502", 74), ("150521", 6), ("150522", 4), ("150523", 4), ("150524", 2), ("150525", 3),
    ("150526", 3), ("150581", 2), ("150501", 1), ("220102", 1),
])
REGIONS_OLD = Weighted([
    ("152301", 30), ("152321", 6), ("152322", 5), ("152323", 4), ("152324", 4), ("152325", 2),
    ("152326", 3), ("152327", 3), ("150502", 40), ("150521", 3),
])

# 2020 census, five-year bands from 0–4 to 95–99, per mille.
_AGE_BANDS = [55, 64, 63, 53, 53, 66, 88, 71, 68, 83, 87, 71, 52, 50, 34, 22, 15, 8, 3, 1]


class IdentityFactory:
    """ID numbers and phone numbers that are valid and never repeat.

    ``street_index`` (0–9) keeps streets apart, so streets built in different runs never clash:
    it is the first digit of the ID serial (whose first two digits name the issuing police
    station) and the first digit after a phone's network prefix.
    """

    PHONE_PREFIXES = Weighted([
        ("139", 8), ("138", 8), ("137", 5), ("136", 5), ("135", 6), ("134", 4), ("150", 6), ("151", 5),
        ("152", 5), ("157", 3), ("158", 5), ("159", 5), ("182", 4), ("183", 3), ("187", 4), ("188", 3),
        ("130", 4), ("131", 4), ("132", 4), ("155", 3), ("156", 4), ("185", 3), ("186", 4), ("176", 2),
        ("133", 3), ("153", 3), ("180", 3), ("181", 2), ("189", 3), ("177", 2), ("199", 2), ("198", 1),
    ])

    def __init__(self, rng: random.Random, *, street_index: int = 0):
        if not 0 <= street_index <= 9:
            raise ValueError("street_index must be 0–9")
        self.rng = rng
        self.street_index = street_index
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def id_number(self, birth: date, gender: str) -> str:
        rng = self.rng
        regions = REGIONS_OLD if birth.year < 1990 else REGIONS_NEW
        born = birth.strftime("%Y%m%d")
        station = self.street_index * 10
        while True:
            # The last digit of the serial is odd for men, even for women.
            serial = (station + rng.randrange(10)) * 10 + rng.randrange(5) * 2 + (1 if gender == "M" else 0)
            first17 = f"{regions.pick(rng)}{born}{serial:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_check_char(first17)

    def phone(self) -> str:
        rng = self.rng
        while True:
            phone = f"{self.PHONE_PREFIXES.pick(rng)}{self.street_index}{rng.randrange(0, 10**7):07d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone


def sample_age(rng: random.Random, low: int, high: int) -> int:
    """An age in ``[low, high]`` following the census pyramid."""
    bands = [(b, w) for b, w in enumerate(_AGE_BANDS) if b * 5 + 4 >= low and b * 5 <= high]
    band = Weighted(bands).pick(rng)
    return rng.randint(max(low, band * 5), min(high, band * 5 + 4))


def birth_date_for(rng: random.Random, age: int) -> date:
    """A birth date of someone ``age`` years old on ``REFERENCE_DATE``."""
    latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    return latest - timedelta(days=rng.randrange(0, 365))


def age_on_reference(birth: date) -> int:
    years = REFERENCE_DATE.year - birth.year
    return years - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day))


CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (up to 99), for 第一网格, 第十二党支部."""
    if n <= 10:
        return CHINESE_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (CHINESE_NUMERALS[tens] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[ones] if ones else "")
