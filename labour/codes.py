"""The cube's code lists: every code a dimension may take, with its Arabic and English label.

This is reference data, loaded into `labour.Code` by a data migration (and again by `load_labour_codes`
when a list grows), never typed as free text. Codes follow SDMX habits: `_T` is the total of a dimension;
activities are ISIC Rev.4 sections, occupations ISCO-08 major groups, governorates ISO 3166-2:KW, and
observation statuses SDMX's CL_OBS_STATUS. A code may name a parent (a nationality group belongs to
"non-Kuwaiti"), so a breakdown can be read at either level.
"""

TOTAL = "_T"

# Dimension identifiers, in the order of an SDMX-CSV file's columns.
MEASURE = "MEASURE"
NATIONALITY = "NATIONALITY"
SECTOR = "SECTOR"
ACTIVITY = "ACTIVITY"
OCCUPATION = "OCCUPATION"
SEX = "SEX"
GOVERNORATE = "GOVERNORATE"
OBS_STATUS = "OBS_STATUS"

# The dimensions an observation is broken down by (besides measure and period); each has a `_T` total.
BREAKDOWNS = (NATIONALITY, SECTOR, ACTIVITY, OCCUPATION, SEX, GOVERNORATE)
DIMENSIONS = (MEASURE, *BREAKDOWNS)
# The API's and the blocks' names for the breakdowns (lower case), and back.
DIMENSION_NAMES = {dimension.lower(): dimension for dimension in BREAKDOWNS}
# What the Kuwaitisation rate can be broken down by: everything but nationality, which it is the share of.
KUWAITISATION_BY = [name for name in DIMENSION_NAMES if name != "nationality"]

_TOTAL = (TOTAL, "Total", "المجموع")

# (code, English, Arabic[, parent])
CODE_LISTS = {
    MEASURE: [
        ("EMP", "Employed persons", "العاملون"),
        ("WP_ISS", "Work permits issued", "أذونات العمل الصادرة"),
        ("WP_CAN", "Work permits cancelled", "أذونات العمل الملغاة"),
        ("WP_TRF", "Work permits transferred", "أذونات العمل المحوّلة"),
        ("JOBSEEK", "Registered job seekers", "الباحثون عن عمل المسجّلون"),
        ("EST", "Establishments", "المنشآت"),
    ],
    NATIONALITY: [
        _TOTAL,
        ("KWT", "Kuwaiti", "كويتي"),
        ("NKW", "Non-Kuwaiti", "غير كويتي"),
        ("GCC", "Other GCC nationals", "مواطنو دول مجلس التعاون الأخرى", "NKW"),
        ("ARB", "Other Arab nationals", "جنسيات عربية أخرى", "NKW"),
        ("ASI", "Asian nationals", "جنسيات آسيوية", "NKW"),
        ("AFR", "African nationals", "جنسيات أفريقية", "NKW"),
        ("OTH", "Other nationals", "جنسيات أخرى", "NKW"),
    ],
    SECTOR: [
        _TOTAL,
        ("GOV", "Government sector", "القطاع الحكومي"),
        ("PRV", "Private sector", "القطاع الأهلي (الخاص)"),
        ("DOM", "Domestic workers", "العمالة المنزلية"),
    ],
    ACTIVITY: [
        _TOTAL,
        ("A", "Agriculture, forestry and fishing", "الزراعة والحراجة وصيد الأسماك"),
        ("B", "Mining and quarrying", "التعدين واستغلال المحاجر"),
        ("C", "Manufacturing", "الصناعة التحويلية"),
        ("D", "Electricity, gas, steam and air conditioning supply", "إمدادات الكهرباء والغاز والبخار وتكييف الهواء"),
        (
            "E",
            "Water supply; sewerage, waste management and remediation",
            "إمدادات المياه وأنشطة الصرف الصحي وإدارة النفايات ومعالجتها",
        ),
        ("F", "Construction", "التشييد"),
        (
            "G",
            "Wholesale and retail trade; repair of motor vehicles",
            "تجارة الجملة والتجزئة وإصلاح المركبات ذات المحركات",
        ),
        ("H", "Transportation and storage", "النقل والتخزين"),
        ("I", "Accommodation and food service activities", "أنشطة خدمات الإقامة والطعام"),
        ("J", "Information and communication", "المعلومات والاتصالات"),
        ("K", "Financial and insurance activities", "الأنشطة المالية وأنشطة التأمين"),
        ("L", "Real estate activities", "الأنشطة العقارية"),
        ("M", "Professional, scientific and technical activities", "الأنشطة المهنية والعلمية والتقنية"),
        ("N", "Administrative and support service activities", "أنشطة الخدمات الإدارية وخدمات الدعم"),
        (
            "O",
            "Public administration and defence; compulsory social security",
            "الإدارة العامة والدفاع والضمان الاجتماعي الإلزامي",
        ),
        ("P", "Education", "التعليم"),
        ("Q", "Human health and social work activities", "أنشطة الصحة البشرية والعمل الاجتماعي"),
        ("R", "Arts, entertainment and recreation", "الفنون والترفيه والتسلية"),
        ("S", "Other service activities", "أنشطة الخدمات الأخرى"),
        ("T", "Activities of households as employers", "أنشطة الأسر المعيشية بوصفها أصحاب عمل"),
        (
            "U",
            "Activities of extraterritorial organizations and bodies",
            "أنشطة المنظمات والهيئات الخارجة عن نطاق الولاية الإقليمية",
        ),
    ],
    OCCUPATION: [
        _TOTAL,
        ("0", "Armed forces occupations", "مهن القوات المسلحة"),
        ("1", "Managers", "المديرون"),
        ("2", "Professionals", "الاختصاصيون"),
        ("3", "Technicians and associate professionals", "الفنيون والاختصاصيون المساعدون"),
        ("4", "Clerical support workers", "العاملون في الدعم المكتبي"),
        ("5", "Service and sales workers", "العاملون في الخدمات والمبيعات"),
        ("6", "Skilled agricultural, forestry and fishery workers", "العمال المهرة في الزراعة والحراجة وصيد الأسماك"),
        ("7", "Craft and related trades workers", "العاملون في الحرف والمهن المرتبطة بها"),
        ("8", "Plant and machine operators, and assemblers", "مشغلو المصانع والآلات والمجمّعون"),
        ("9", "Elementary occupations", "المهن الأولية"),
    ],
    SEX: [
        _TOTAL,
        ("M", "Male", "ذكور"),
        ("F", "Female", "إناث"),
    ],
    GOVERNORATE: [
        _TOTAL,
        ("KW-KU", "Capital", "العاصمة"),
        ("KW-HA", "Hawalli", "حولي"),
        ("KW-FA", "Farwaniya", "الفروانية"),
        ("KW-MU", "Mubarak Al-Kabeer", "مبارك الكبير"),
        ("KW-AH", "Ahmadi", "الأحمدي"),
        ("KW-JA", "Jahra", "الجهراء"),
    ],
    OBS_STATUS: [
        ("A", "Normal value", "قيمة عادية"),
        ("B", "Break in series", "انقطاع في السلسلة"),
        ("E", "Estimated value", "قيمة تقديرية"),
        ("F", "Forecast value", "قيمة متوقعة"),
        ("I", "Imputed value", "قيمة مستكملة"),
        ("P", "Provisional value", "قيمة أولية"),
        ("U", "Low reliability", "موثوقية منخفضة"),
    ],
}

NORMAL_STATUS = "A"


def code_rows():
    """Every code as (dimension, code, label_en, label_ar, parent, position), in the lists' order."""
    for dimension, codes in CODE_LISTS.items():
        for position, entry in enumerate(codes):
            code, label_en, label_ar, *parent = entry
            yield dimension, code, label_en, label_ar, (parent[0] if parent else ""), position
