"""An illustrative quarterly series of Kuwait's labour market, shaped on published orders of magnitude —
not official statistics, and labelled so wherever it is shown.

The shape: in 2024-Q1 about 2.94 million workers including domestic workers; Kuwaitis about 21 % of all
workers, nearly all of them in the government sector, and under 5 % of the private sector; domestic
workers all non-Kuwaiti. Around that anchor the series grows slowly, with a small seasonal swing, from
2021-Q1 to 2025-Q4. Every figure is a whole count and every total is the exact sum of its parts, so the
cube is consistent whichever breakdown is read.

The cube is filled as statistical offices publish it: a few tables, each a breakdown by one or two
dimensions with the others at their total (`_T`), rather than every combination of every dimension.
"""

import math

from . import codes as cl

FIRST_YEAR, LAST_YEAR = 2021, 2025
ANCHOR = (2024, 1)

DATASET = {
    "code": "illustrative",
    "name_en": "Illustrative data — not official statistics",
    "name_ar": "بيانات توضيحية — ليست إحصاءات رسمية",
    "illustrative": True,
}

# Workers in 2024-Q1 by sector and nationality (thousands would hide the exactness of the totals).
ANCHOR_WORKERS = {
    ("GOV", "KWT"): 545_000,
    ("GOV", "NKW"): 145_000,
    ("PRV", "KWT"): 70_000,
    ("PRV", "NKW"): 1_390_000,
    ("DOM", "KWT"): 0,
    ("DOM", "NKW"): 790_000,
}
# Yearly growth by (sector, nationality): the private sector's Kuwaiti share creeps up, still under 5 %.
GROWTH = {
    ("GOV", "KWT"): 0.025,
    ("GOV", "NKW"): -0.03,
    ("PRV", "KWT"): 0.03,
    ("PRV", "NKW"): 0.015,
    ("DOM", "KWT"): 0.0,
    ("DOM", "NKW"): 0.02,
}
NATIONALITY_GROUPS = {
    "GOV": {"GCC": 5, "ARB": 50, "ASI": 35, "AFR": 3, "OTH": 7},
    "PRV": {"GCC": 1, "ARB": 30, "ASI": 62, "AFR": 3, "OTH": 4},
    "DOM": {"GCC": 0, "ARB": 2, "ASI": 80, "AFR": 17, "OTH": 1},
}
ACTIVITIES = {
    ("GOV", "KWT"): {"O": 52, "P": 24, "Q": 12, "D": 5, "B": 4, "H": 2, "R": 1},
    ("GOV", "NKW"): {"O": 20, "P": 35, "Q": 38, "D": 4, "H": 2, "R": 1},
    ("PRV", "KWT"): {"K": 30, "J": 9, "B": 12, "G": 12, "M": 8, "N": 6, "C": 6, "L": 4, "P": 4, "Q": 4, "H": 3, "S": 2},
    ("PRV", "NKW"): {
        "G": 22,
        "F": 18,
        "C": 9,
        "N": 10,
        "I": 8,
        "H": 6,
        "M": 5,
        "S": 5,
        "Q": 4,
        "P": 4,
        "K": 1,
        "J": 2,
        "L": 2,
        "B": 2,
        "A": 1,
        "E": 1,
    },
    ("DOM", "KWT"): {"T": 1},
    ("DOM", "NKW"): {"T": 1},
}
SEX = {"KWT": {"M": 45, "F": 55}, "NKW": {"M": 70, "F": 30}}
OCCUPATIONS = {
    "KWT": {"1": 9, "2": 36, "3": 20, "4": 24, "5": 9, "7": 1, "8": 1},
    "NKW": {"1": 2, "2": 8, "3": 6, "4": 3, "5": 20, "6": 1, "7": 14, "8": 6, "9": 40},
}
GOVERNORATES = {
    "KWT": {"KW-KU": 18, "KW-HA": 16, "KW-FA": 14, "KW-MU": 15, "KW-AH": 21, "KW-JA": 16},
    "NKW": {"KW-KU": 11, "KW-HA": 22, "KW-FA": 30, "KW-MU": 7, "KW-AH": 21, "KW-JA": 9},
}
# Work permits per quarter in 2024-Q1 (private sector and domestic workers), and their yearly growth.
PERMITS = {
    ("WP_ISS", "PRV"): (62_000, 0.02),
    ("WP_ISS", "DOM"): (44_000, 0.03),
    ("WP_CAN", "PRV"): (55_000, 0.01),
    ("WP_CAN", "DOM"): (39_000, 0.02),
    ("WP_TRF", "PRV"): (24_000, 0.0),
}
JOB_SEEKERS = {"M": 7_200, "F": 9_800}
ESTABLISHMENTS = {"KW-KU": 9_800, "KW-HA": 14_500, "KW-FA": 16_200, "KW-MU": 4_100, "KW-AH": 11_300, "KW-JA": 5_900}


def quarters():
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for quarter in range(1, 5):
            yield year, quarter


def _factor(year, quarter, growth, swing=0.004):
    """Growth from the anchor quarter, with a small seasonal swing (summer departures)."""
    steps = (year - ANCHOR[0]) * 4 + (quarter - ANCHOR[1])
    return (1 + growth) ** (steps / 4) * (1 + swing * math.sin(math.pi * (quarter - 1) / 2))


def allocate(total, weights):
    """`total` split by `weights` into whole numbers that add up to it exactly (largest remainders)."""
    weight_sum = sum(weights.values())
    if total == 0 or weight_sum == 0:
        return dict.fromkeys(weights, 0)
    shares = {key: total * weight / weight_sum for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    rest = total - sum(counts.values())
    for key in sorted(shares, key=lambda key: shares[key] - counts[key], reverse=True)[:rest]:
        counts[key] += 1
    return counts


class _Cube:
    """Cells by (measure, period, nationality, sector, activity, occupation, sex, governorate)."""

    def __init__(self):
        self.cells = {}

    def put(self, measure, period, value, **breakdowns):
        key = (measure, period, *(breakdowns.get(dimension.lower(), cl.TOTAL) for dimension in cl.BREAKDOWNS))
        held = self.cells.setdefault(key, value)
        if held != value:
            raise AssertionError(f"two values for one cell: {key} {held} {value}")


def _sum(counts):
    return sum(counts.values())


def build():
    """The whole illustrative cube: {cell key of codes: value}."""
    cube = _Cube()
    for year, quarter in quarters():
        period = f"{year}-Q{quarter}"
        workers = {key: round(anchor * _factor(year, quarter, GROWTH[key])) for key, anchor in ANCHOR_WORKERS.items()}
        by_nationality = {nationality: 0 for nationality in ("KWT", "NKW")}
        for (_sector, nationality), count in workers.items():
            by_nationality[nationality] += count
        total = _sum(by_nationality)
        cube.put("EMP", period, total)
        for nationality, count in by_nationality.items():
            cube.put("EMP", period, count, nationality=nationality)
        groups_total = {}
        for sector in ("GOV", "PRV", "DOM"):
            kuwaiti, others = workers[(sector, "KWT")], workers[(sector, "NKW")]
            cube.put("EMP", period, kuwaiti + others, sector=sector)
            cube.put("EMP", period, kuwaiti, sector=sector, nationality="KWT")
            cube.put("EMP", period, others, sector=sector, nationality="NKW")
            for group, count in allocate(others, NATIONALITY_GROUPS[sector]).items():
                cube.put("EMP", period, count, sector=sector, nationality=group)
                groups_total[group] = groups_total.get(group, 0) + count
            by_activity = {}
            # Both nationalities over the same activities (a zero where there are no Kuwaitis), so every
            # activity has a Kuwaitisation rate.
            activities = sorted(set(ACTIVITIES[(sector, "KWT")]) | set(ACTIVITIES[(sector, "NKW")]))
            for nationality, count in (("KWT", kuwaiti), ("NKW", others)):
                weights = {activity: ACTIVITIES[(sector, nationality)].get(activity, 0) for activity in activities}
                for activity, part in allocate(count, weights).items():
                    cube.put("EMP", period, part, sector=sector, nationality=nationality, activity=activity)
                    by_activity.setdefault(activity, {})[nationality] = part
            for activity, parts in by_activity.items():
                cube.put("EMP", period, _sum(parts), sector=sector, activity=activity)
        for group, count in groups_total.items():
            cube.put("EMP", period, count, nationality=group)
        for nationality, count in by_nationality.items():
            for dimension, weights in (("sex", SEX), ("occupation", OCCUPATIONS), ("governorate", GOVERNORATES)):
                for code, part in allocate(count, weights[nationality]).items():
                    cube.put("EMP", period, part, nationality=nationality, **{dimension: code})
        for dimension, weights in (("sex", SEX), ("occupation", OCCUPATIONS), ("governorate", GOVERNORATES)):
            codes = {code for nationality in weights for code in weights[nationality]}
            for code in codes:
                parts = [
                    allocate(count, weights[nationality]).get(code, 0) for nationality, count in by_nationality.items()
                ]
                cube.put("EMP", period, sum(parts), **{dimension: code})
        for measure in ("WP_ISS", "WP_CAN", "WP_TRF"):
            parts = {
                sector: round(anchor * _factor(year, quarter, growth, swing=0.05))
                for (name, sector), (anchor, growth) in PERMITS.items()
                if name == measure
            }
            cube.put(measure, period, _sum(parts))
            for sector, count in parts.items():
                cube.put(measure, period, count, sector=sector)
        seekers = {sex: round(count * _factor(year, quarter, 0.04, swing=0.03)) for sex, count in JOB_SEEKERS.items()}
        cube.put("JOBSEEK", period, _sum(seekers), nationality="KWT")
        for sex, count in seekers.items():
            cube.put("JOBSEEK", period, count, nationality="KWT", sex=sex)
        establishments = {
            code: round(count * _factor(year, quarter, 0.02, swing=0)) for code, count in ESTABLISHMENTS.items()
        }
        cube.put("EST", period, _sum(establishments))
        for code, count in establishments.items():
            cube.put("EST", period, count, governorate=code)
    return cube.cells


# --- Demo establishments (illustrative, not real companies) -------------------------------------------

# The citizen the demo identity provider offers (civil ID 290010100001, no real person's) is the authorised
# signatory of the first two.
SIGNATORY_CIVIL_ID = "290010100001"
SIGNATORY_NAME = "مواطن تجريبي"
SIGNATORY_OF = ("DEMO-100", "DEMO-200")
# The demo's policy sets a fee for a labour-needs request (every activity; 5.000 KWD), so that `make run` shows
# its journey through the payment sub-portal's sandbox gateway. Loaded only when the policy has no row at all.
NEEDS_FEE_FILS = 5_000
REGISTER = """licence_number,name_ar,name_en,activity,isic_division,governorate,licensed_capacity,nationality,occupation,workers
DEMO-100,مصرف الواحة التجريبي,Oasis Demo Bank,K,64,KW-KU,150,KWT,2,58
DEMO-100,مصرف الواحة التجريبي,Oasis Demo Bank,K,64,KW-KU,150,KWT,4,20
DEMO-100,مصرف الواحة التجريبي,Oasis Demo Bank,K,64,KW-KU,150,ARB,2,18
DEMO-100,مصرف الواحة التجريبي,Oasis Demo Bank,K,64,KW-KU,150,ASI,4,24
DEMO-200,شركة البناء التجريبية,Demo Building Company,F,41,KW-AH,80,KWT,1,3
DEMO-200,شركة البناء التجريبية,Demo Building Company,F,41,KW-AH,80,ARB,7,22
DEMO-200,شركة البناء التجريبية,Demo Building Company,F,41,KW-AH,80,ASI,9,40
DEMO-300,اتصالات الخليج التجريبية,Gulf Demo Telecom,J,61,KW-HA,60,KWT,2,30
DEMO-300,اتصالات الخليج التجريبية,Gulf Demo Telecom,J,61,KW-HA,60,ASI,3,20
DEMO-400,مطعم الديرة التجريبي,Deira Demo Restaurant,I,56,KW-FA,20,ASI,5,31
"""
