"""The words of the demo's voices and follow-through: livelihood projects, the problem list,
good deeds, the notes of visits and of handling. Taken from what the seeds report: 梅塘社区's
走访 and four libraries, 八里铺街道's 民生实事 and 问题清单 (20 items, 18 fixed, 2 in progress), the
"党员办好一件实事" and "居民办好一件小事" of the campaign."""

from __future__ import annotations

from tongxin.voices.models import RectificationMode, RectificationSource

VISIT_NOTES = {
    "hardship": "询问衣食住行，家中生活基本有保障，已告知临时救助申请办法。",
    "returned_worker": "询问就业现状，登记了务工意向，推荐参加街道招聘会。",
    "petitioner": "询问事情原委，耐心听取诉求，答复办理进度。",
    "old_sick": "询问身体健康状况，提醒按时服药，留下网格员联系方式。",
    "": "了解家庭基本情况，宣传主题教育活动和积分兑换办法。",
}

ACCEPT_NOTES = ["已转相关责任单位办理", "情况属实，予以受理", "列入本月办理计划", "已与物业公司对接"]
REJECT_REASONS = [
    "属于个人民事纠纷，已告知可申请人民调解",
    "该事项已由区住建局统一规划，社区无权办理，已向反映人解释",
]
RESOLUTIONS = {
    "property": "协调物业公司维修完毕，并在单元门口公示维修记录。",
    "sanitation": "组织保洁人员清理完毕，增加了清运频次。",
    "elderly_care": "已为老人登记助餐服务，每周两次上门探访。",
    "employment": "推荐参加街道就业招聘会，已与一家企业达成用工意向。",
    "medical": "联系社区卫生服务站上门随访，已签约家庭医生。",
    "education": "与辖区学校对接，已安排课后托管名额。",
    "public_security": "联系派出所加强夜间巡逻，补装了两处监控探头。",
    "traffic": "协调交管部门施划停车位，设置了减速带。",
    "culture_facilities": "活动室已延长开放时间，新增了图书和健身器材。",
    "policy": "已当面解释政策并协助准备申请材料。",
    "assistance": "已为其申请临时救助，并纳入结对帮扶对象。",
    "utilities": "联系供水、供电单位抢修完毕，已恢复正常。",
    "service_conduct": "已对相关工作人员批评教育，服务大厅实行首问负责制。",
    "other": "已协调相关单位办理完毕。",
}
FOLLOW_UP_NOTES = ["电话回访，群众表示满意", "入户回访，已解决", "回访时群众认可办理结果"]
UNSATISFIED_NOTES = ["维修后又出现同样问题", "只处理了一半，还没彻底解决"]

# 民生实事: (title, owner, milestones [(title, weight)]); three done, five under way, two planned.
PROJECTS = [
    ("老旧小区加装电梯", "社区居委会、区住建局", [("征求全体住户意见", 1), ("设计方案公示", 1), ("施工", 3), ("验收投用", 1)]),
    ("小区非机动车充电桩建设", "社区居委会、供电所", [("选址", 1), ("安装调试", 2), ("投入使用", 1)]),
    ("老年食堂（助餐点）建设", "社区党委", [("场地改造", 2), ("引入餐饮企业", 1), ("开餐运营", 1)]),
    ("背街小巷路灯亮化", "街道城管办", [("摸排路段", 1), ("安装路灯", 2), ("通电验收", 1)]),
    ("雨污分流管网改造", "区住建局", [("勘察设计", 1), ("管网施工", 3), ("路面恢复", 1)]),
    ("社区“共享菜园”", "社区党委、共建单位", [("土地平整", 1), ("认领分配", 1), ("首季收获", 1)]),
    ("口袋公园建设", "街道城管办", [("方案公示", 1), ("绿化施工", 2), ("开放", 1)]),
    ("小区监控全覆盖", "社区居委会、派出所", [("点位规划", 1), ("安装", 2), ("联网", 1)]),
    ("便民服务站改造", "社区居委会", [("方案论证", 1), ("装修", 2), ("启用", 1)]),
    ("楼道杂物清理整治", "社区网格员、物业", [("宣传动员", 1), ("集中清理", 1), ("长效巡查", 1)]),
]
PROJECTS_DONE = 3
PROJECTS_PLANNED = 2
SUPERVISOR_COMMENTS = ["施工进度正常，工人文明施工", "已到现场查看，确实完成了", "建议施工期间注意噪音，晚上不要施工"]

# 问题清单 (seed 004: 梳理形成问题清单20项，已完成整改18个，正在整改2个).
RECTIFICATIONS = [
    ("服务大厅工作人员上下班迟到早退", RectificationSource.RESIDENTS, "社区居委会", RectificationMode.IMMEDIATE),
    ("网格员入户走访不深入，不了解居民所需", RectificationSource.SELF_REVIEW, "社区网格办", RectificationMode.PHASED),
    ("居民办事存在推诿扯皮现象", RectificationSource.RESIDENTS, "社区居委会", RectificationMode.IMMEDIATE),
    ("部分党员学习主动性不够，存在“要我学”思想", RectificationSource.SELF_REVIEW, "社区党委", RectificationMode.PHASED),
    ("对社区党组织主题教育开展督促不严", RectificationSource.SUPERIOR, "街道党工委", RectificationMode.PHASED),
    ("小区垃圾清运不及时", RectificationSource.RESIDENTS, "街道城管办", RectificationMode.IMMEDIATE),
    ("楼道堆放杂物存在消防隐患", RectificationSource.RESIDENTS, "社区网格办、物业", RectificationMode.IMMEDIATE),
    ("政务公开栏信息更新不及时", RectificationSource.INSPECTION, "社区居委会", RectificationMode.IMMEDIATE),
    ("集中学习形式单一，吸引力不强", RectificationSource.SELF_REVIEW, "社区党委", RectificationMode.PHASED),
    ("流动党员联系不紧密，学习资料送达不及时", RectificationSource.SELF_REVIEW, "社区党委", RectificationMode.PHASED),
    ("困难群众帮扶台账不完整", RectificationSource.INSPECTION, "社区居委会", RectificationMode.IMMEDIATE),
    ("居民意见簿长期无人回复", RectificationSource.RESIDENTS, "社区居委会", RectificationMode.IMMEDIATE),
    ("社区活动室开放时间短", RectificationSource.RESIDENTS, "社区居委会", RectificationMode.IMMEDIATE),
    ("小区停车秩序混乱", RectificationSource.RESIDENTS, "社区居委会、物业", RectificationMode.PHASED),
    ("老旧小区路面破损", RectificationSource.RESIDENTS, "街道城管办", RectificationMode.PHASED),
    ("党员先锋岗作用发挥不明显", RectificationSource.SELF_REVIEW, "社区党委", RectificationMode.IMMEDIATE),
    ("共建单位参与社区工作不够", RectificationSource.SUPERIOR, "街道党工委", RectificationMode.PHASED),
    ("工作人员服务态度生硬", RectificationSource.RESIDENTS, "社区居委会", RectificationMode.IMMEDIATE),
    ("安置房建设进度滞后", RectificationSource.SUPERIOR, "街道党工委", RectificationMode.PHASED),
    ("村改居社区党员理论学习较为松懈", RectificationSource.INSPECTION, "街道党工委", RectificationMode.PHASED),
]
RECTIFICATIONS_OPEN = 2  # the last two stay in progress
PHASE_TARGETS = ["摸清底数，制定整改方案", "集中整改，完成主要任务", "建章立制，巩固整改成果"]

MEMBER_DEEDS = [
    ("帮独居老人更换了坏掉的水龙头", "独居老人"),
    ("陪同行动不便的老党员到医院复查", "老党员"),
    ("清理了单元门口堆放多年的杂物", "本单元居民"),
    ("为留守儿童辅导暑假作业", "留守儿童"),
    ("帮助困难户申请了临时救助", "困难户"),
    ("修好了楼道里的声控灯", "本楼居民"),
    ("组织志愿者为小区清扫积雪", "小区居民"),
    ("帮老人在手机上开通了医保电子凭证", "老年居民"),
]
RESIDENT_DEEDS = [
    ("主动打扫楼道卫生", "本单元邻居"),
    ("给小区花坛浇水除草", "小区居民"),
    ("帮邻居代收快递、照看孩子", "邻居"),
    ("参加垃圾分类宣传志愿服务", "社区居民"),
    ("为社区图书角捐赠图书二十本", "社区居民"),
    ("劝导电动车不进楼道充电", "本楼居民"),
]
