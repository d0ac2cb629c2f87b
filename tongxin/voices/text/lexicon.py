"""Word lists for segmenting residents' voices: the domain words jieba must keep whole, the words
that carry no meaning for sorting a voice, and the few synonyms residents use for the same thing.

Extend them as new words turn up in real voices; the labelled data is the test of a change."""


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one string, separated by spaces and line breaks."""
    return frozenset(words.split())


# jieba's general dictionary splits these (物业/费, 飞线/充电) or guesses them wrong, and a rule or
# a duplicate match needs them whole.
DOMAIN_WORDS = (
    "物业费", "物业公司", "维修基金", "业主委员会", "业委会", "停车位", "车位管理费", "充电桩",
    "加装电梯", "小区门禁", "门禁卡", "楼道灯", "闭门器", "道闸", "楼道", "违章搭建",
    "垃圾分类", "垃圾桶", "垃圾站", "厨余垃圾", "建筑垃圾", "化粪池", "小广告", "排污口", "狗屎",
    "老年食堂", "日间照料", "日间照料中心", "助餐点", "养老驿站", "居家养老", "空巢老人",
    "独居老人", "高龄津贴", "高龄补贴", "老年大学",
    "零工市场", "公益性岗位", "招聘会", "灵活就业", "失业金", "返乡创业", "工伤",
    "医保", "医保卡", "医保局", "家庭医生", "卫生服务站", "卫生站", "卫生室", "慢病门诊", "义诊",
    "课后托管", "课后服务", "四点半课堂", "留守儿童", "助学贷款", "校外培训",
    "飞线充电", "电动车", "高空抛物", "群租房", "防诈骗", "消防通道", "灭火器", "烟感报警器",
    "占道经营", "红绿灯", "斑马线", "公交站", "末班公交", "共享单车", "减速带", "网约车",
    "广场舞", "健身器材", "活动室", "图书室", "农家书屋", "文化广场", "篮球场", "秧歌队",
    "养老金", "双轨制", "养老保险", "公积金", "居住证", "宅基地", "棚户区改造", "生育补贴",
    "低保", "低保户", "低保金", "临时救助", "大病救助", "特困", "五保户", "危房改造", "两项补贴",
    "供暖", "暖气", "暖气片", "热力公司", "下水道", "路灯", "停水", "停电", "燃气表", "二次供水",
    "网格员", "办事大厅", "首问负责制", "形式主义", "推诿扯皮",
    # Rule keywords (classifier.py) that jieba would otherwise cut apart.
    "地下车库", "老年活动室", "助老员", "养老服务", "适老化", "人才市场", "技能培训", "快递员", "托管班",
    "非机动车道", "健身步道", "文化活动", "文化墙", "住房公积金", "丧葬补助金", "新农合", "育儿补贴",
    "土地确权", "老旧小区改造", "爱心超市", "困难家庭", "低保边缘户", "特困供养", "结对帮扶", "私拉乱接",
    "服务大厅", "拍照留痕",
)

# Function words, fillers and address suffixes. Address numbers are compared separately
# (see duplicates.py), so "号楼" itself says nothing.
STOPWORDS = word_set("""
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 啦 哈 哎 唉 嗯 么 哪 啥 咋 呗 喽
和 跟 与 及 或 而 并 也 都 就 还 又 再 才 很 太 挺 真 最 更 好 等
非常 特别 比较 有点 一点 一些 一下 一个 一直 一样 一次 一天
这 那 这个 那个 这些 那些 这样 那样 这么 那么 这里 那里 这边 那边 这种 那种
我 我们 你 你们 您 他 他们 她 她们 它 它们 咱 咱们 大家 自己 人家 别人
是 在 有 没 没有 不 被 把 让 给 对 从 到 向 往 为 为了 因为 所以 但是 可是 不过 如果 虽然
而且 然后 还是 就是 只是 已经 现在 今天 昨天 每天 天天 时候 什么 怎么 为什么 多少 哪里 谁
能 会 要 想 说 看 去 来 上 下 里 中 个 些 点 次 回 趟 几 多 都是 也是 还有
不能 能不能 可以 可不可以 有没有 是不是
号 号楼 号院 栋 幢 单元 室
the a an is are to of and in on it
""")

# Words that name the same thing, mapped to one spelling so that two residents who say it
# differently still match ("老年人下楼不方便" is the same matter as "老人上下楼很困难").
SYNONYMS = {
    "老年人": "老人",
    "老人家": "老人",
    "大夫": "医生",
    "电瓶车": "电动车",
    "摄像头": "监控",
    "小孩": "孩子",
    "小孩子": "孩子",
    "娃": "孩子",
    "垃圾箱": "垃圾桶",
    "楼梯间": "楼道",
    "暖气片": "暖气",
    "卫生站": "卫生服务站",
    "物业公司": "物业",
    "车位": "停车位",
}
