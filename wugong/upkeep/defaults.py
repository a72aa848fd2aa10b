"""The default problem-report categories (报事类别) with their deadlines.

Migration 0001 adds the same rows for a new database (a migration may not import app code);
``report_categories_ensure`` puts back any that are missing — after ``wugong demo --flush`` or a
test that empties the tables — without touching categories a place has edited.
"""

from django.db import transaction

from wugong.upkeep.models import ReportCategory

# (code, name, description, group, hours to respond, hours to resolve, is an emergency)
CATEGORIES = [
    # code, name, description, group, respond hours, resolve hours, emergency
    (
        "emergency",
        "紧急险情",
        "危及人身财产安全：塌方、漏电、燃气泄漏、落水等",
        "安全",
        1,
        24,
        True,
    ),
    ("street_light", "路灯照明", "路灯不亮、灯杆损坏", "设施", 24, 168, False),
    ("drainage", "沟渠排水", "沟渠堵塞、积水、污水外溢", "设施", 24, 168, False),
    ("roads", "道路桥梁", "路面破损、坑洼、桥梁护栏损坏", "设施", 24, 168, False),
    ("sanitation", "环境卫生", "垃圾堆积、乱倒乱放、公厕脏乱", "环境", 24, 168, False),
    ("water_supply", "供水", "停水、水管破裂、水质问题", "设施", 24, 168, False),
    ("neighbourhood", "邻里纠纷", "需要调解的邻里矛盾", "治理", 24, 168, False),
    ("other", "其他", "其他需要处理的问题", "其他", 24, 168, False),
]


@transaction.atomic
def report_categories_ensure() -> int:
    """Add the default categories that are missing; returns how many were added."""
    added = 0
    for sort, (code, name, desc, group, respond, resolve, urgent) in enumerate(CATEGORIES):
        _row, created = ReportCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": desc,
                "group": group,
                "respond_hours": respond,
                "resolve_hours": resolve,
                "is_emergency": urgent,
                "sort": sort,
            },
        )
        added += created
    return added
