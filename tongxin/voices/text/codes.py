"""The codes a voice is sorted by. They match the categories migration and ``Library`` in
models.py; the labels are for the evaluation report, the database holds the names staff see."""

CATEGORY_LABELS = {
    "property": "物业",
    "sanitation": "环境卫生",
    "elderly_care": "养老",
    "employment": "就业",
    "medical": "医疗",
    "education": "教育",
    "public_security": "治安",
    "traffic": "交通出行",
    "culture_facilities": "文化设施",
    "policy": "政策咨询",
    "assistance": "帮扶救助",
    "utilities": "水电气暖",
    "service_conduct": "服务作风",
    "other": "其他",
}
LIBRARY_LABELS = {"difficulty": "难点库", "problem": "问题库", "suggestion": "建议库"}
KIND_CODES = ("opinion", "suggestion", "wish", "difficulty", "complaint")

CATEGORY_CODES = tuple(CATEGORY_LABELS)
LIBRARY_CODES = tuple(LIBRARY_LABELS)
OTHER = "other"
