"""The standard checklists a county starts with (configurable afterwards in the admin).

The seeds name the standards — villager groups by "五有三无", estates by "六有三无" (Jingshan,
Yongxing street) — but not their items; these are the items as the province's pilot guides
commonly list them, to be adjusted by each county."""

DEFAULT_CHECKLISTS: list[tuple[str, list[str], list[tuple[str, str]]]] = [
    (
        "五有三无",
        ["group", "village"],
        [
            ("have", "有党小组（党员中心户）"),
            ("have", "有村民理事会"),
            ("have", "有村规民约"),
            ("have", "有议事活动场所"),
            ("have", "有志愿服务队伍"),
            ("free_of", "无乱搭乱建"),
            ("free_of", "无垃圾乱堆乱倒"),
            ("free_of", "无矛盾纠纷上交"),
        ],
    ),
    (
        "六有三无",
        ["estate", "community"],
        [
            ("have", "有党组织（楼栋党小组）"),
            ("have", "有业主委员会或居民议事会"),
            ("have", "有物业服务"),
            ("have", "有居民公约"),
            ("have", "有活动场所"),
            ("have", "有志愿服务队伍"),
            ("free_of", "无违章搭建"),
            ("free_of", "无安全隐患"),
            ("free_of", "无矛盾纠纷上交"),
        ],
    ),
]


def checklists_ensure(checklist_model=None, item_model=None) -> None:  # type: ignore[no-untyped-def]
    """Create the default checklists if missing (idempotent; migration and tests)."""
    if checklist_model is None:
        from wugong.pilots.models import Checklist as checklist_model
        from wugong.pilots.models import ChecklistItem as item_model
    for name, kinds, items in DEFAULT_CHECKLISTS:
        checklist, created = checklist_model.objects.get_or_create(
            name=name, defaults={"place_kinds": kinds}
        )
        if created:
            item_model.objects.bulk_create(
                item_model(checklist=checklist, position=i, sort=sort, text=text)
                for i, (sort, text) in enumerate(items, 1)
            )
