"""The words of the demo campaign: topics, speakers, places, plans, actions and measures.

Taken from the campaign reports the offices wrote (the Tongliao pilot of "感党恩、听党话、跟党走",
a street's progress report, a community's experience material): their study lists, their
"五微五进", their 1+7+N plans, their 规定动作 and their figures.
"""

from __future__ import annotations

from tongxin.campaigns.models import ProofKind
from tongxin.learning.models import OutreachPlace, SessionKind
from tongxin.orgs.models import Domain

CAMPAIGN_NAME = "感党恩、听党话、跟党走"


def campaign_slug(scope) -> str:
    """gdetdhgdz-blp for 八里铺街道, gdetdhgdz-keq for 科尔沁区: the benchmarks name them."""
    return f"gdetdhgdz-{scope.code.lower()}"


CAMPAIGN_THEME = "群众性教育实践活动：学习教育、听取民意、为民办事，引领各族群众感党恩、听党话、跟党走"

# 集中学习: what the timetable gives for each Tuesday and Friday afternoon, in turn.
GROUP_STUDY_TOPICS = [
    "学习《习近平著作选读》第一卷",
    "学习党的二十大报告",
    "学习习近平总书记考察内蒙古时的重要指示精神",
    "学习“五个事实和道理”",
    "算好“一本发展账”：十年发展变化",
    "铸牢中华民族共同体意识专题学习",
    "学习《论群众路线——重要论述摘编》",
    "学习《习近平著作选读》第二卷",
    "学习“两件大事”：建设北方重要生态安全屏障和国家重要能源和战略资源基地",
    "学习《中国共产党章程》",
    "学习“应知应会70题”",
    "学习《厉行节约、反对浪费——重要论述摘编》",
    "收看党员干部现代远程教育专题片",
    "学习交流：以普通党员身份分享学习心得",
    "学习“一张惠民卡”政策",
    "学习模范自治区建设的目标任务",
    "学习《中国共产党纪律处分条例》",
]

PARTY_LECTURE_TOPICS = [
    "感党恩、听党话、跟党走，做新时代合格党员",
    "践行党的群众路线，办好群众身边事",
    "铸牢中华民族共同体意识，建设模范自治区",
    "从党的百年奋斗中汲取前进力量",
    "以“头雁效应”带动全员共学",
    "把“所思所需所盼”变成“所作所干所为”",
]

LECTURE_TOPICS = [
    "八里铺党校大讲堂：习近平新时代中国特色社会主义思想专题辅导",
    "千人大讲堂：党的二十大精神宣讲",
    "大讲堂：习近平总书记考察内蒙古重要指示精神解读",
    "大讲堂：讲好“五个事实和道理”",
]

# 五进: (place, topic, where it is held when no unit of the street fits)
OUTREACH = {
    OutreachPlace.SCHOOL: ("微党课进校园：讲好红色故事", "学校"),
    OutreachPlace.ENTERPRISE: ("宣讲进企业：“十年变化我说说”", "企业"),
    OutreachPlace.COMPOUND: ("微宣讲进小区：感党恩、听党话、跟党走", "小区广场"),
    OutreachPlace.SHOP: ("宣讲进商户：诚信经营与“一张惠民卡”", "商户"),
    OutreachPlace.HOME: ("微故事进家庭：最美家庭讲家风", "居民家中"),
}
OUTREACH_ORDER = [OutreachPlace.COMPOUND, OutreachPlace.SCHOOL, OutreachPlace.HOME, OutreachPlace.ENTERPRISE,
                  OutreachPlace.SHOP]

MICRO_CLASS_TOPICS = [
    "微党课进社区：身边的发展变化",
    "微诵读进网格：诵读《习近平著作选读》选段",
    "微分享进楼栋：我家这十年",
    "微课堂：“应知应会”知识问答",
    "微课堂：铸牢中华民族共同体意识小故事",
    "微课堂：垃圾分类与文明楼院",
]

PARTY_DAY_TOPICS = [
    "主题党日：重温入党誓词",
    "主题党日：“党员联户”走访",
    "主题党日：入党宣誓仪式",
    "主题党日：党员亮身份、亮承诺",
]

FIELD_VISITS = [
    ("参观见学：追寻红色足迹", "开鲁县麦新纪念馆"),
    ("参观见学：看发展变化", "通辽市博物馆"),
    ("参观见学：缅怀革命先烈", "科尔沁区烈士陵园"),
]

FORUMS = [
    "“我心向党诉心声”居民座谈会",
    "老党员、楼栋长座谈会：听取对社区工作的意见建议",
    "驻区单位、“两新”组织座谈会",
]

OPEN_NOW_TOPIC = "社区大讲堂：感党恩、听党话、跟党走"

# Titles that go before a speaker's name, so a visitor reads who gave a lecture.
EXPERTS = ["区委党校讲师", "内蒙古民族大学教授", "区委宣讲团成员"]

# 学习课表: (weekday, start, end, kind, topic, where)
SCHEDULE = [
    (1, (15, 0), (17, 0), SessionKind.GROUP_STUDY, "集中学习日：原原本本读原著", "党群服务中心会议室"),
    (4, (15, 0), (17, 0), SessionKind.GROUP_STUDY, "集中学习日：学习研讨交流", "党群服务中心会议室"),
    (2, (9, 30), (11, 0), SessionKind.OUTREACH, "“五微五进”宣讲", "辖区小区、学校、企业、商户"),
]

# --- Plans "1+7+N" ---------------------------------------------------------------------------
OVERALL_PLAN_BODY = (
    "一、总体要求\n坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神和习近平总书记"
    "考察内蒙古时的重要指示精神，引领各族群众感党恩、听党话、跟党走。\n"
    "二、主要任务\n（一）抓好学习教育，做到“教不漏项、学不漏人”：集中学、网络传学、上门送学“三学”结合。\n"
    "（二）听民声、汇民意：开展“四访四问”，建立难点库、问题库、建议库和成果库。\n"
    "（三）边学边改、立行立改，为群众办实事。\n"
    "三、组织保障\n成立领导小组，班子成员包片、机关干部包楼、社区工作者包户；建立“周汇报”制度，"
    "每周印发工作通报，表扬先进、督促后进。"
)

# The seven domain procedures of the "1+7+N": one per domain of the street's units and places.
DOMAIN_PROCEDURES = [
    Domain.URBAN_COMMUNITY, Domain.GOVERNMENT, Domain.SCHOOL, Domain.STATE_ENTERPRISE, Domain.PRIVATE_ENTERPRISE,
    Domain.SOCIAL_ORG, Domain.NEW_EMPLOYMENT,
]

DOMAIN_PROCEDURE_BODY = {
    Domain.URBAN_COMMUNITY: "开展微党课进社区、微宣讲进小区、微诵读进网格、微分享进楼栋、微故事进家庭“五微五进”系列活动。",
    Domain.GOVERNMENT: "机关党员到社区报到，统筹开展“党员联户”走访，班子成员以普通党员身份参加支部学习。",
    Domain.SCHOOL: "思政课进课堂、红色故事进校园，组织师生参观红色教育基地。",
    Domain.STATE_ENTERPRISE: "结合主责主业开展学习，党员先锋岗亮身份、亮承诺。",
    Domain.PRIVATE_ENTERPRISE: "夯基础强队伍、察实情问需求，推动民营企业党建与经营发展相融合。",
    Domain.SOCIAL_ORG: "依托社会工作服务中心开展志愿服务，引导社会组织参与社区治理。",
    Domain.NEW_EMPLOYMENT: "在骑手驿站设学习角，利用碎片时间开展微学习，争做“红色骑手”。",
}

# --- Actions (规定动作 / 自选动作): (title, week due (0 = first week), required, proof,
# session kind, domain (None: every unit of the street), description)
TASKS = [
    ("召开动员部署会议，制定子方案", 0, True, ProofKind.REPORT, "", Domain.URBAN_COMMUNITY,
     "传达市、区会议精神，制定本社区子方案并报街道党工委备案。"),
    ("社区党组织书记讲专题党课", 2, True, ProofKind.SESSION, SessionKind.PARTY_LECTURE, Domain.URBAN_COMMUNITY,
     "社区党组织书记至少讲一次专题党课。"),
    ("开展“五微五进”宣讲", 3, True, ProofKind.SESSION, SessionKind.OUTREACH, Domain.URBAN_COMMUNITY,
     "宣讲进校园、进企业、进小区、进商户、进家庭。"),
    ("召开居民座谈会听取意见建议", 4, True, ProofKind.SESSION, SessionKind.FORUM, Domain.URBAN_COMMUNITY,
     "分层分类召开老党员、楼栋长、困难群体、驻区单位座谈会，意见建议分类入库。"),
    ("老弱病残党员送学上门全覆盖", 5, True, ProofKind.DELIVERY, "", Domain.URBAN_COMMUNITY,
     "对行动不便党员送学上门，将学习资料送到党员手中，不漏一人。"),
    ("组织党员参观见学", 6, True, ProofKind.SESSION, SessionKind.FIELD_VISIT, Domain.URBAN_COMMUNITY,
     "发挥红色教育资源优势，组织党员到红色教育基地参观见学。"),
    ("报送阶段性工作总结", 7, True, ProofKind.REPORT, "", Domain.URBAN_COMMUNITY,
     "按“工作开展情况、存在问题、下步打算”报送书面总结。"),
    ("开展主题党日活动", 3, True, ProofKind.SESSION, SessionKind.PARTY_DAY, None,
     "各党支部开展一次主题党日，重温入党誓词。"),
    ("机关党员到社区报到", 2, True, ProofKind.REPORT, "", Domain.GOVERNMENT,
     "机关党员到居住地社区报到，参加“党员联户”走访。"),
    ("开展“十年变化我说说”微宣讲", 5, False, ProofKind.SESSION, SessionKind.MICRO_CLASS, Domain.URBAN_COMMUNITY,
     "组织群众细说身边发展变化，拍摄情景短视频。"),
    ("开辟“有声书”学习专栏", 4, False, ProofKind.REPORT, "", Domain.URBAN_COMMUNITY,
     "将“有形之书”转化为“无形之声”，便于党员随时随地点开就学。"),
]

# --- Measures (推进举措): (domain (None: the overall plan), title, description)
MEASURES = [
    (None, "建立学习课表，每周二、五下午集中学习", "让每位党员清楚知道每周要学什么、读什么。"),
    (None, "结对助学：年轻党员包联流动党员、年老体弱党员", "采取“上门送学”“微信推送”等方式，把学习材料送到党员手中。"),
    (None, "购置mp3播放器，存入学习音频送给没有智能手机的老党员", "确保党员学习教育不漏一人。"),
    (None, "建立“周汇报”制度，每周印发工作通报", "表扬先进，督促后进。"),
    (None, "“四访四问”入户走访", "困难户必访、外出务工返家人员必访、上访户必访、老弱病必访。"),
    (Domain.URBAN_COMMUNITY, "“五微五进”系列活动", "微党课进社区、微宣讲进小区、微诵读进网格、微分享进楼栋、微故事进家庭。"),
    (Domain.URBAN_COMMUNITY, "建立难点库、问题库、建议库、成果库", "意见建议分门别类归纳梳理，逐项办理、跟踪回访。"),
    (Domain.GOVERNMENT, "机关党员到社区报到，“党员联户”", "每名机关党员联系若干户居民，察民情、听民意、解民忧。"),
    (Domain.SCHOOL, "思政课“大先生”进校园", "邀请老党员、老模范给学生讲红色故事。"),
    (Domain.PRIVATE_ENTERPRISE, "党员先锋岗亮身份", "党员佩戴标志、设立先锋岗，接受群众监督。"),
    (Domain.NEW_EMPLOYMENT, "骑手驿站学习角", "利用午间和候单时间开展微学习。"),
]

# --- Materials: (title, kind, stock bought)
BOOK = "《习近平著作选读》"
POCKET_BOOK = "“感党恩、听党话、跟党走”应知应会口袋书"
MP3 = "mp3 播放器（存有学习书目音频）"
AUDIO = "“有声书”专栏：《习近平著作选读》音频"
VIDEO = "“十年变化我说说”情景短视频"
ARTICLE = "“五个事实和道理”学习材料"
ROUTE_BOOK = "《论群众路线——重要论述摘编》"

REFLECTION_OPENINGS = [
    "通过这次{topic}，我深刻认识到",
    "参加{topic}后，我有很多感触，",
    "这次{topic}让我受到了一次深刻的教育，",
]
REFLECTION_MIDDLES = [
    "只有始终把群众放在心上，把群众的小事当作自己的大事，才能真正赢得群众的信任。",
    "我们这十年的发展变化是实实在在的，小区的路修好了，暖气热了，老人有了日间照料中心。",
    "作为一名党员，要在学习上走在前面，用心读原著、学原文、悟原理。",
    "铸牢中华民族共同体意识，要从身边的邻里团结做起。",
    "感党恩不能只挂在嘴上，要落实到为邻居办好一件实事上。",
]
REFLECTION_CLOSINGS = [
    "今后我要积极参加社区志愿服务，发挥好党员先锋模范作用。",
    "下一步，我会把学到的讲给家里人和楼里的邻居听。",
    "我将继续坚持每周参加集中学习，做到学思用贯通。",
]
REFLECTION_TITLES = ["学习心得", "学习体会", "感党恩、听党话、跟党走心得体会", "参加集中学习的几点体会"]
