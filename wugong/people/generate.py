"""The generated county's raw material: names, ID numbers, phones, households and the tree shape.

Pure functions and small allocators over a ``random.Random``: no ORM here. ``demo.py`` turns
what they produce into rows (``county_build``); ``wugong seed`` and ``wugong demo`` both go
through it, so the same seed always gives the same county, at any size.

Everything is drawn from the ``rng`` passed in, in a fixed order, and dates are measured from
``REFERENCE_DATE`` (not today), so the output does not depend on when it runs.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from wugong.core.validators import id_check_digit

REFERENCE_DATE = dt.date(2026, 1, 1)

# --- the top of the tree -------------------------------------------------------------------
CITY = ("十堰市", "420300")
COUNTY = ("竹山县", "420323")
# The county's own region code first; spouses married in from the neighbours use the others.
REGION_CODES = ("420323", "420322", "420324", "420325", "420302", "420303")
TOWNS = ("宝丰镇", "麻家渡镇", "溢水镇", "擂鼓镇", "秦古镇", "得胜镇")
STREETS = ("城关街道", "北坝街道")

# Villages named in the source documents come first; more are composed when needed.
VILLAGE_NAMES = (
    "双台村",
    "楼台村",
    "上湾村",
    "龙井村",
    "狮子岩村",
    "滚子岭村",
    "唐家沟村",
    "珠藏洞村",
)
_VILLAGE_HEADS = "柳林桃园松树青龙白果黄土马鞍石门金竹茶园杨柳龙王观音瓦房枫树铁炉竹园庙垭"
_VILLAGE_TAILS = ("坪", "沟", "湾", "河", "岭", "垭", "坝", "口", "寨", "岗", "冲", "台")
COMMUNITY_NAMES = (
    "南关社区",
    "北关社区",
    "东城社区",
    "西城社区",
    "幸福社区",
    "滨河社区",
    "迎宾社区",
    "城南社区",
    "新华社区",
    "人民路社区",
    "桥东社区",
    "堵河社区",
)
ESTATE_NAMES = (
    "千福小区",
    "红光小区",
    "阳光小区",
    "幸福小区",
    "金桂苑",
    "滨江花园",
    "锦绣家园",
    "和谐家园",
    "翠苑小区",
    "紫荆苑",
    "丽景小区",
    "电力小区",
    "供销社宿舍",
    "粮食局家属院",
    "教育小区",
    "桂花园",
)
GROUP_NUMERALS = "一二三四五六七八九十"

# --- names ---------------------------------------------------------------------------------
# Common surnames with rough weights (per mille of the population, the national order).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71.5), ("李", 72.0), ("张", 68.6), ("刘", 53.8), ("陈", 45.3), ("杨", 31.0),
    ("黄", 22.3), ("赵", 22.3), ("吴", 20.5), ("周", 19.5), ("徐", 14.5), ("孙", 13.8),
    ("马", 12.5), ("朱", 12.2), ("胡", 11.6), ("郭", 11.3), ("何", 11.0), ("林", 10.0),
    ("高", 10.0), ("罗", 9.8), ("郑", 8.4), ("梁", 8.1), ("谢", 7.0), ("宋", 6.2),
    ("唐", 6.2), ("许", 6.0), ("韩", 5.8), ("冯", 5.5), ("邓", 5.4), ("曹", 5.1),
    ("彭", 5.0), ("曾", 4.9), ("肖", 4.8), ("田", 4.7), ("董", 4.6), ("袁", 4.4),
    ("潘", 4.1), ("于", 4.0), ("蒋", 3.9), ("蔡", 3.8), ("余", 3.7), ("杜", 3.6),
    ("叶", 3.5), ("程", 3.4), ("魏", 3.3), ("苏", 3.3), ("吕", 3.2), ("丁", 3.1),
    ("任", 3.0), ("沈", 3.0), ("姚", 2.9), ("卢", 2.8), ("姜", 2.7), ("崔", 2.6),
    ("钟", 2.5), ("谭", 2.4), ("陆", 2.3), ("汪", 2.2), ("范", 2.2), ("金", 2.1),
    ("石", 2.1), ("廖", 2.0), ("贾", 2.0), ("夏", 1.9), ("韦", 1.9), ("付", 1.8),
    ("方", 1.8), ("邹", 1.7), ("熊", 1.7), ("柯", 1.2), ("尹", 1.0), ("欧阳", 0.4),
)  # fmt: skip
_SURNAME_LIST = [s for s, _w in SURNAMES]
_SURNAME_CUM = list(accumulate(w for _s, w in SURNAMES))

# Given names by generation and sex: (first characters, second characters, share of
# one-character names). Elders are 秀英 and 建国; the young are 欣怡 and 子轩.
_GIVEN: dict[tuple[int, str], tuple[str, str, float]] = {
    (0, "M"): ("建国德志长世福永宝玉金荣家光学忠明文昌富",
               "国华明春生胜康山林贵成平才发权安全和", 0.0),
    (0, "F"): ("秀桂玉凤淑翠春金素兰秋月银冬", "英兰梅珍花芳香莲娥琴菊仙荣凤", 0.0),
    (1, "M"): ("建志海红卫晓小永俊立国文新军", "华强军涛波辉平兵东峰伟勇刚斌", 0.25),
    (1, "F"): ("丽红晓海春小秀美艳玉雪金", "娟梅燕霞琴萍芳丽华红敏玲", 0.25),
    (2, "M"): ("子浩宇俊梓博一天明家思嘉皓雨", "轩然航杰豪文鸣宇泽睿晨阳涵", 0.15),
    (2, "F"): ("欣梓雨诗子可思佳梦紫若语一", "怡涵萱琪馨妍瑶彤雪菲诺晴宁", 0.15),
}  # fmt: skip


def generation(birth_year: int) -> int:
    return 0 if birth_year < 1962 else 1 if birth_year < 1988 else 2


def surname_pick(rng: random.Random) -> str:
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, *, sex: str, birth_year: int) -> str:
    firsts, seconds, single = _GIVEN[(generation(birth_year), sex)]
    if rng.random() < single:
        return rng.choice(seconds)
    return rng.choice(firsts) + rng.choice(seconds)


def person_name(
    rng: random.Random, *, sex: str, birth_year: int, surname: str | None = None
) -> str:
    return (surname or surname_pick(rng)) + given_name(rng, sex=sex, birth_year=birth_year)


# --- ID numbers and phones ------------------------------------------------------------------
class IdNumbers:
    """Allocates valid, unique 18-digit ID numbers (GB 11643): region, birth date, a 3-digit
    sequence whose parity is the sex, and the check digit. At most 500 people of one sex share
    a region and birth date; past that the next region code is used."""

    def __init__(self, regions: tuple[str, ...] = REGION_CODES) -> None:
        self.regions = regions
        self._used: dict[tuple[str, int, str], int] = {}

    def next(self, *, birth: dt.date, sex: str, region: str | None = None) -> str:
        start = self.regions.index(region) if region in self.regions else 0
        day = birth.toordinal()
        for i in range(len(self.regions)):
            code = self.regions[(start + i) % len(self.regions)]
            key = (code, day, sex)
            n = self._used.get(key, 0)
            if n < 500:
                self._used[key] = n + 1
                seq = ((day * 37 + n) % 500) * 2 + (1 if sex == "M" else 0)
                first17 = f"{code}{birth:%Y%m%d}{seq:03d}"
                return first17 + id_check_digit(first17)
        raise OverflowError("too many people born on one day")


class Phones:
    """Allocates unique mainland mobile numbers: 1, a carrier digit, then nine digits that are
    a bijection of a counter (so never repeated) and look random."""

    _MULT = 7_654_321  # coprime with 10**9

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0
        self.offset = rng.randrange(10**9)

    def next(self) -> str:
        self.count += 1
        body = (self.count * self._MULT + self.offset) % 10**9
        return f"1{self.rng.choice('3578935789')}{body:09d}"


# --- households ----------------------------------------------------------------------------
@dataclass
class MemberSpec:
    relation: str
    sex: str
    birth_date: dt.date
    name: str = ""
    region: str = REGION_CODES[0]
    has_phone: bool = False
    is_party_member: bool = False
    is_volunteer: bool = False

    @property
    def age(self) -> int:
        return REFERENCE_DATE.year - self.birth_date.year


def _birth(rng: random.Random, year_from: int, year_to: int) -> dt.date:
    year = rng.randint(year_from, year_to)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


# (size, weight) — many one- and two-person households of elders; 3.1 people on average.
HOUSEHOLD_SIZES = ((1, 8), (2, 25), (3, 30), (4, 22), (5, 15))


def household_members(rng: random.Random, *, urban: bool) -> list[MemberSpec]:
    """The members of one household, head first: relations, sexes, birth dates, names, and who
    has a phone, is a party member or volunteers."""
    size = rng.choices([s for s, _w in HOUSEHOLD_SIZES], [w for _s, w in HOUSEHOLD_SIZES])[0]
    elder = size <= 2 and rng.random() < (0.45 if urban else 0.7)
    head_sex = "M" if rng.random() < 0.82 else "F"
    if size == 1:
        head = MemberSpec("户主", head_sex, _birth(rng, 1938, 1966 if elder else 1996))
        members = [head]
    else:
        head = MemberSpec(
            "户主", head_sex, _birth(rng, 1940, 1964) if elder else _birth(rng, 1958, 1994)
        )
        spouse_year = head.birth_date.year + rng.randint(-3, 4)
        spouse = MemberSpec("配偶", _other(head_sex), _birth(rng, spouse_year, spouse_year))
        members = [head, spouse]
        young_parent = max(head.birth_date.year, spouse.birth_date.year)
        extra = size - 2
        if extra and young_parent > 1965 and size == 5 and rng.random() < 0.35:
            # Three generations under the head: parents live with the family.
            for rel, sex in (("父", "M"), ("母", "F"))[: min(extra, 2)]:
                year = young_parent - rng.randint(24, 32)
                members.append(MemberSpec(rel, sex, _birth(rng, year, year)))
            extra -= min(extra, 2)
        for i in range(extra):
            child_year = min(young_parent + rng.randint(22, 32), REFERENCE_DATE.year - 1)
            if young_parent < 1972 and i >= 1 and rng.random() < 0.5:
                # An older couple: son, daughter-in-law and a grandchild.
                rel = rng.choice(("儿媳", "孙子", "孙女"))
                sex = "F" if rel in ("儿媳", "孙女") else "M"
                year = child_year + (0 if rel == "儿媳" else rng.randint(22, 30))
                year = min(year, REFERENCE_DATE.year - 1)
            else:
                sex = rng.choice("MF")
                rel = "子" if sex == "M" else "女"
                year = child_year
            members.append(MemberSpec(rel, sex, _birth(rng, year, year)))
    family = surname_pick(rng)
    for m in members:
        own = m.relation in ("配偶", "儿媳") or (m.relation == "户主" and m.sex == "F")
        if m.relation == "母":
            own = True
        m.name = person_name(
            rng, sex=m.sex, birth_year=m.birth_date.year, surname=None if own else family
        )
        if m.relation in ("配偶", "儿媳") and rng.random() < 0.15:
            m.region = rng.choice(REGION_CODES[1:4])
        age = m.age
        phone_share = 0.0 if age < 16 else 0.85 if age < 60 else 0.55 if age < 75 else 0.25
        if m.relation == "户主":
            phone_share = max(phone_share, 0.7)
        m.has_phone = rng.random() < phone_share
        m.is_party_member = age >= 18 and rng.random() < (0.12 if m.sex == "M" else 0.05)
        m.is_volunteer = 16 <= age <= 75 and rng.random() < 0.16
    return members


# Each tag: (share of rural households, share of urban households, reasons).
TAG_SHARES: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "left_behind": (0.09, 0.02, ("子女外出务工", "老人留守", "儿童留守，父母在外")),
    "illness": (0.03, 0.02, ("尿毒症", "癌症术后", "脑梗后遗症", "重度残疾", "慢性心衰")),
    "petitioner": (0.004, 0.003, ("宅基地纠纷", "征地补偿", "邻里纠纷", "物业纠纷")),
    "monitoring": (0.025, 0.005, ("因病返贫风险", "收入骤减", "因灾受损")),
    "dibao": (0.045, 0.02, ("因病致贫", "因残致贫", "缺劳动力")),
    "low_income": (0.03, 0.015, ("务工收入低", "缺技术", "家庭成员多病")),
    "expense_poverty": (0.01, 0.006, ("子女上学支出大", "医疗支出大")),
}
ALONE_REASONS = ("子女在外务工", "丧偶独居", "无子女")


def household_tags(
    rng: random.Random, members: list[MemberSpec], *, urban: bool
) -> list[tuple[str, str, dt.date]]:
    """Key-household tags (tag, reason, since) in plausible proportions: a living-alone elder,
    left-behind, serious illness (which makes hardship more likely) ..."""
    tags: list[tuple[str, str, dt.date]] = []

    def since() -> dt.date:
        return dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 10))

    if len(members) == 1 and members[0].age >= 60 and rng.random() < 0.9:
        tags.append(("alone", rng.choice(ALONE_REASONS), since()))
    ill = False
    for tag, (rural, town, reasons) in TAG_SHARES.items():
        share = town if urban else rural
        if tag in ("dibao", "low_income", "expense_poverty", "monitoring") and ill:
            share *= 4
        if tag == "left_behind" and (len(members) == 1 or tags):
            continue
        if rng.random() < share:
            tags.append((tag, rng.choice(reasons), since()))
            ill = ill or tag == "illness"
    return tags


def floor_area(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(5500, 14500)) / 100


# --- the tree ------------------------------------------------------------------------------
@dataclass
class PlaceSpec:
    """One place of the plan. ``index`` is its position in the plan (parents come first);
    leaves (groups and buildings) carry how many households live there."""

    index: int
    name: str
    kind: str
    parent: int | None
    code: str = ""
    households: int = 0
    children: list[int] = field(default_factory=list)
    # Buildings: units and floors, so that every household gets a flat.
    units: int = 0
    floors: int = 0


def _split(rng: random.Random, total: int, parts: int, spread: float = 0.35) -> list[int]:
    """``total`` split into ``parts`` positive-ish shares of varying size (sums exactly)."""
    weights = [1 + spread * (2 * rng.random() - 1) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def _names(rng: random.Random, fixed: tuple[str, ...], compose: Iterator[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in fixed:
        seen.add(name)
        yield name
    for name in compose:
        if name not in seen:
            seen.add(name)
            yield name


def _village_names(rng: random.Random) -> Iterator[str]:
    heads = [_VILLAGE_HEADS[i : i + 2] for i in range(0, len(_VILLAGE_HEADS), 2)]
    combos = [h + t + "村" for h in heads for t in _VILLAGE_TAILS]
    rng.shuffle(combos)
    n = 0
    while True:
        yield from combos
        n += 1
        combos = [c[:-1] + f"{GROUP_NUMERALS[n % 10]}村" for c in combos]


_ESTATE_HEADS = "金桂翠竹怡景龙湾华府滨河锦城书香文化建设人民健康丹桂紫薇青年梧桐"
_ESTATE_TAILS = ("小区", "花园", "苑", "家园", "新村", "公寓")


def _estate_names(rng: random.Random) -> Iterator[str]:
    heads = [_ESTATE_HEADS[i : i + 2] for i in range(0, len(_ESTATE_HEADS), 2)]
    combos = [h + t for h in heads for t in _ESTATE_TAILS]
    rng.shuffle(combos)
    yield from combos
    n = 2
    while True:
        yield from (f"{c}{GROUP_NUMERALS[n % 10]}期" for c in combos)
        n += 1


def _community_names() -> Iterator[str]:
    n = 0
    while True:
        for name in COMMUNITY_NAMES:
            yield name if n == 0 else name.replace("社区", f"{n + 1}社区")
        n += 1


def group_name(rng: random.Random, i: int, surnames_used: set[str]) -> str:
    """一组, 二组 … or, in some villages, a hamlet named after its clan (王家湾组)."""
    if i < 10 and rng.random() < 0.75:
        return f"{GROUP_NUMERALS[i]}组"
    while True:
        s = surname_pick(rng)
        if s not in surnames_used:
            surnames_used.add(s)
            return f"{s}家湾组"
        if len(surnames_used) >= len(SURNAMES) - 5:
            return f"{i + 1}组"


def county_plan(rng: random.Random, *, villages: int, households: int) -> list[PlaceSpec]:
    """The place tree: a city, the county, 6 towns and 2 street offices, ``villages`` villages
    and communities (a fifth are communities, mostly under the streets), villages split into
    groups (组/湾组, rural four levels) and communities into estates and buildings (urban five
    levels), with every household assigned to a group or a building."""
    if villages < 2:
        raise ValueError("at least 2 villages and communities")
    plan: list[PlaceSpec] = []

    def add(name: str, kind: str, parent: int | None, **kw: int | str) -> PlaceSpec:
        spec = PlaceSpec(len(plan), name, kind, parent, **kw)  # type: ignore[arg-type]
        plan.append(spec)
        if parent is not None:
            plan[parent].children.append(spec.index)
        return spec

    city = add(CITY[0], "city", None, code=CITY[1])
    county = add(COUNTY[0], "county", city.index, code=COUNTY[1])
    towns = [add(n, "town", county.index) for n in TOWNS]
    streets = [add(n, "street", county.index) for n in STREETS]
    n_comm = max(1, round(villages * 0.2))
    n_vill = villages - n_comm
    on_streets = min(n_comm, math.ceil(n_comm * 2 / 3))
    village_names = _names(rng, VILLAGE_NAMES, _village_names(rng))
    community_names = _community_names()
    units: list[tuple[PlaceSpec, float]] = []  # (village or community, weight)
    for i in range(on_streets):
        spec = add(next(community_names), "community", streets[i % len(streets)].index)
        units.append((spec, 2.0))
    for i in range(n_comm - on_streets):
        spec = add(next(community_names), "community", towns[i % len(towns)].index)
        units.append((spec, 1.2))
    for i in range(n_vill):
        spec = add(next(village_names), "village", towns[i % len(towns)].index)
        units.append((spec, 1.0))
    # Households per village or community, in proportion to its weight (± a third).
    weights = [w * (1 + 0.3 * (2 * rng.random() - 1)) for _s, w in units]
    scale = households / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(households - sum(counts)):
        counts[i % len(counts)] += 1
    estate_names = _names(rng, ESTATE_NAMES, _estate_names(rng))
    for (unit, _w), count in zip(units, counts, strict=True):
        if unit.kind == "village":
            n_groups = max(1, min(30, round(count / 40)))
            used: set[str] = set()
            for i, share in enumerate(_split(rng, count, n_groups)):
                add(group_name(rng, i, used), "group", unit.index, households=share)
        else:
            n_estates = max(1, min(6, round(count / 150)))
            for share in _split(rng, count, n_estates):
                estate = add(next(estate_names), "estate", unit.index)
                n_buildings = max(1, min(40, round(share / 40)))
                for b, flats in enumerate(_split(rng, share, n_buildings, spread=0.2)):
                    floors = rng.choice((6, 6, 7, 11, 18)) if flats > 0 else 1
                    units_n = max(1, math.ceil(flats / (floors * 2)))
                    add(
                        f"{b + 1}号楼",
                        "building",
                        estate.index,
                        households=flats,
                        units=units_n,
                        floors=floors,
                    )
    return plan


def flat_of(spec: PlaceSpec, i: int) -> tuple[str, int, str]:
    """Unit, floor and room of the ``i``-th flat of a building (two flats a floor)."""
    per_unit = spec.floors * 2
    unit = i // per_unit + 1
    floor = (i % per_unit) // 2 + 1
    room = f"{floor}{i % 2 + 1:02d}"
    return str(unit), floor, room
