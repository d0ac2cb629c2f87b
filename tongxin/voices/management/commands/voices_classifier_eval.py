"""python manage.py voices_classifier_eval

How well the suggested category and library and the near-duplicate flags do on the labelled data
that ships in ``tongxin/voices/data`` (stratified 5-fold cross-validation, fixed seed). Reads
files only; run it after changing the labelled data, the keyword rules or the word lists, and
compare with the figures before the change."""

from django.core.management.base import BaseCommand

from tongxin.voices.text.codes import CATEGORY_LABELS
from tongxin.voices.text.evaluate import FOLDS, evaluate


class Command(BaseCommand):
    help = "用随附的标注数据评估群众心声的自动分类（分类、入库）和疑似重复识别（5 折交叉验证）"

    def handle(self, *args, **options):
        say = self.stdout.write
        figures = evaluate()
        c, d = figures["classifier"], figures["duplicates"]
        say(f"自动分类：{c['voices']} 条标注心声，{FOLDS} 折分层交叉验证")
        say(f"  分类准确率 {c['category_accuracy']:.1%}，入库（难点/问题/建议）准确率 {c['library_accuracy']:.1%}，"
            f"平均置信度 {c['mean_confidence']:.1%}")
        say("  各分类：精确率 / 召回率 / 条数")
        for code, row in c["per_category"].items():
            say(f"    {CATEGORY_LABELS[code]:　<6}{row['precision']:>7.1%}{row['recall']:>8.1%}{row['support']:>6}")
        say("  最常见的错分（实际 → 建议，条数）")
        for true, predicted, n in c["confusions"][:10]:
            say(f"    {CATEGORY_LABELS[true]} → {CATEGORY_LABELS[predicted]}：{n}")
        say(f"疑似重复：{d['pairs']} 对标注文本，阈值 {d['threshold']}")
        say(f"  精确率 {d['precision']:.1%}，召回率 {d['recall']:.1%}，F1 {d['f1']:.3f}"
            f"（阈值由交叉验证选取时 F1 {d['cross_validated_f1']:.3f}）")
