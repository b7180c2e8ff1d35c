"""The labour market demo: the illustrative series (labour.demo) and a dashboard page in both languages
(سوق العمل / Labour market) under the home pages: workers by nationality and by sector, the Kuwaitisation
rate by sector, and work permits issued against cancelled.

Run after load_demo. Safe to run again: observations and pages that exist are left as they are, so what an
editor or an import changed is never overwritten."""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms.models import HomePage
from cms.services import ensure_locales
from core.money import format_fils
from labour import demo
from labour.models import LabourDashboardPage
from labour.reference import ensure_reference_data
from labour.services import load_demo_cube, load_demo_establishments, load_demo_fee

BLOCKS = uuid.UUID("3c0c7e6e-51a1-4f7e-9d55-2b8f0f4d6a11")
LANGUAGES = ("ar", "en")
SLUG = "labour-market"

PAGE = {
    "ar": {
        "title": "سوق العمل",
        "intro": (
            "مؤشرات العمالة الوطنية والعمالة الوافدة في القطاع الحكومي والقطاع الأهلي (الخاص)، والتكويت، وأذونات "
            "العمل. الأرقام في هذه الصفحة بيانات توضيحية مبنية على أرقام منشورة، وليست إحصاءات رسمية."
        ),
    },
    "en": {
        "title": "Labour market",
        "intro": (
            "Indicators of national and expatriate labour in the government and private sectors, Kuwaitisation "
            "and work permits. The figures on this page are illustrative data shaped on published figures, not "
            "official statistics."
        ),
    },
}

CHARTS = [
    {
        "name": "by-nationality",
        "block": "indicator_chart",
        "value": {"indicator": "EMP", "series_by": "nationality", "series_codes": "KWT,NKW", "kind": "stacked"},
        "ar": "العاملون حسب الجنسية",
        "en": "Workers by nationality",
    },
    {
        "name": "by-sector",
        "block": "indicator_chart",
        "value": {"indicator": "EMP", "series_by": "sector", "series_codes": "GOV,PRV,DOM", "kind": "bar"},
        "ar": "العاملون حسب القطاع",
        "en": "Workers by sector",
    },
    {
        "name": "kuwaitisation",
        "block": "indicator_chart",
        "value": {"indicator": "KWT_SHARE", "series_by": "sector", "series_codes": "GOV,PRV", "kind": "line"},
        "ar": "نسبة التكويت حسب القطاع (%)",
        "en": "Kuwaitisation rate by sector (%)",
    },
    {
        "name": "permits",
        "block": "indicator_chart",
        "value": {"indicator": "EMP", "series_by": "measure", "series_codes": "WP_ISS,WP_CAN", "kind": "bar"},
        "ar": "أذونات العمل الصادرة والملغاة",
        "en": "Work permits issued and cancelled",
    },
    {
        "name": "private-by-nationality-table",
        "block": "indicator_table",
        "value": {
            "indicator": "EMP",
            "series_by": "nationality",
            "series_codes": "KWT,NKW",
            "filters": "sector=PRV",
            "periods": 4,
        },
        "ar": "العاملون في القطاع الأهلي (الخاص) حسب الجنسية",
        "en": "Private-sector workers by nationality",
    },
]


def body(language):
    blocks = []
    for chart in CHARTS:
        value = {
            "title": chart[language],
            "series_codes": "",
            "filters": "",
            "frequency": "Q",
            "periods": 8,
            **chart["value"],
        }
        blocks.append({"type": chart["block"], "value": value, "id": str(uuid.uuid5(BLOCKS, chart["name"]))})
    return blocks


class Command(BaseCommand):
    help = (
        "Load the labour market's illustrative series (not official statistics) and its dashboard page in both "
        "languages. Safe to run again: nothing that exists is changed."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        ensure_reference_data()  # put back when a flushed database lost what the migrations loaded
        added = load_demo_cube()
        establishments = load_demo_establishments()
        fee = load_demo_fee()
        locales = ensure_locales()
        homes = {language: HomePage.objects.filter(locale=locales[language], depth=2).first() for language in LANGUAGES}
        if not all(homes.values()):
            raise CommandError("run load_demo first: the home pages do not exist")
        pages = {
            language: LabourDashboardPage.objects.child_of(homes[language]).filter(slug=SLUG).first()
            for language in LANGUAGES
        }
        key = next((page.translation_key for page in pages.values() if page), uuid.uuid4())
        created = 0
        for language in LANGUAGES:
            if pages[language] is None:
                page = LabourDashboardPage(
                    title=PAGE[language]["title"],
                    slug=SLUG,
                    intro=PAGE[language]["intro"],
                    body=body(language),
                    locale=locales[language],
                    translation_key=key,
                )
                homes[language].add_child(instance=page)
                page.save_revision().publish()
                created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Labour demo: {added} illustrative observation(s), {establishments} establishment(s), "
                f"{created} page(s) created{f', a fee of {format_fils(demo.NEEDS_FEE_FILS)} for labour-needs requests' if fee else ''}. The demo "
                "citizen (national ID 290010100001) acts for DEMO-100 and DEMO-200 at /ar/labour/establishments/."
            )
        )
