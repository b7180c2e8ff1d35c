"""The civic participation demo: under the Arabic and English home pages, the participation section
(شارك / Participate) with one open consultation, one open single-choice poll and one closed ranked poll.
English pages are translations of the Arabic ones (same translation key, same question and option keys,
same paragraph ids), so responses, ballots and comments in either language count together.

Run after load_demo. Safe to run again: a page that exists already is left as it is.

The content lives here rather than in demo/content/: load_demo reads every *.json file there as a service
catalogue file and would refuse a file in another format."""

import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cms.models import Authority, HomePage
from cms.services import ensure_locales
from participation.models import (
    ConsultationPage,
    ConsultationQuestion,
    ParticipationIndexPage,
    PollOption,
    PollPage,
)
from participation.services.consultations import let_ministries_launch

# Paragraph ids (StreamField block ids) are derived from this namespace so both languages share them.
BLOCKS = uuid.UUID("6f1c9a52-8d0e-4c41-9b7e-3f2a1d5c7e90")

INDEX = {
    "slug": "participate",
    "ar": {
        "title": "شارك",
        "intro": "شارك في صنع القرار: الاستشارات العامة والاستطلاعات التي تطرحها الجهات الحكومية.",
    },
    "en": {
        "title": "Participate",
        "intro": "Take part in decisions: the public consultations and polls that government bodies run.",
    },
}

CONSULTATION = {
    "slug": "domestic-workers-weekly-rest",
    "authority": "MSAL",
    "opens": -7,
    "closes": 53,
    "body": [
        ("heading", "article-1"),
        ("paragraph", "rest-day"),
        ("paragraph", "work-on-rest-day"),
        ("heading", "article-2"),
        ("paragraph", "daily-hours"),
        ("heading", "article-3"),
        ("paragraph", "annual-leave"),
        ("paragraph", "complaints"),
    ],
    "ar": {
        "title": "مشروع قرار وزاري بشأن الراحة الأسبوعية للعمالة المنزلية",
        "summary": (
            "تطرح وزارة الشؤون الاجتماعية والعمل مشروع قرار ينظم الراحة الأسبوعية وساعات العمل والإجازة "
            "السنوية للعمالة المنزلية، وتدعو المواطنين والمقيمين وأصحاب العمل إلى إبداء آرائهم قبل إصداره."
        ),
        "body": {
            "article-1": "المادة الأولى: الراحة الأسبوعية",
            "rest-day": (
                "<p>يستحق العامل المنزلي راحة أسبوعية مدفوعة الأجر لا تقل عن أربع وعشرين ساعة متصلة، "
                "يُتفق على يومها كتابةً بين صاحب العمل والعامل عند التعاقد.</p>"
            ),
            "work-on-rest-day": (
                "<p>لا يجوز لصاحب العمل تشغيل العامل في يوم راحته إلا برضاه الكتابي، وفي هذه الحالة يستحق "
                "العامل أجراً إضافياً لا يقل عن أجر يوم ونصف، أو يوم راحة بديلاً خلال الأسبوع التالي.</p>"
            ),
            "article-2": "المادة الثانية: ساعات العمل اليومية",
            "daily-hours": (
                "<p>لا تزيد ساعات العمل اليومية على اثنتي عشرة ساعة تتخللها فترات راحة لا يقل مجموعها عن "
                "ساعة واحدة، ولا تقل فترة الراحة الليلية المتصلة عن ثماني ساعات.</p>"
            ),
            "article-3": "المادة الثالثة: الإجازة السنوية والشكاوى",
            "annual-leave": (
                "<p>يستحق العامل المنزلي إجازة سنوية مدفوعة الأجر مدتها ثلاثون يوماً عن كل سنة خدمة، ويُثبت "
                "صاحب العمل أيام الراحة والإجازات في سجل يطّلع عليه العامل ويوقّع عليه.</p>"
            ),
            "complaints": (
                "<p>تتلقى الوزارة الشكاوى المتعلقة بأحكام هذا القرار عبر بوابة الحكومة الإلكترونية ومراكز "
                "الخدمة، وتفصل فيها خلال مدة لا تتجاوز ثلاثين يوماً من تاريخ تقديمها.</p>"
            ),
        },
        "questions": {
            "written-rest-day": {
                "text": "هل تؤيد أن يُتفق على يوم الراحة الأسبوعية كتابةً عند التعاقد؟",
                "choices": ["أؤيد", "أؤيد مع تعديل", "لا أؤيد"],
            },
            "clarity": {"text": "ما مدى وضوح نص المشروع؟", "help_text": "1 غير واضح، 5 واضح جداً."},
            "articles-to-revise": {
                "text": "ما الأحكام التي تحتاج إلى مراجعة برأيك؟",
                "help_text": "اختر كل ما ينطبق.",
                "choices": [
                    "الراحة الأسبوعية",
                    "العمل في يوم الراحة",
                    "ساعات العمل اليومية",
                    "الإجازة السنوية",
                    "تلقي الشكاوى",
                ],
            },
            "suggestions": {
                "text": "ملاحظات أو مقترحات أخرى",
                "help_text": "لا تذكر بيانات شخصية مثل الرقم المدني.",
            },
        },
    },
    "en": {
        "title": "Draft ministerial decision on domestic workers' weekly rest",
        "summary": (
            "The Ministry of Social Affairs and Labour publishes a draft decision on the weekly rest, working "
            "hours and annual leave of domestic workers, and invites citizens, residents and employers to give "
            "their views before it is issued."
        ),
        "body": {
            "article-1": "Article 1: Weekly rest",
            "rest-day": (
                "<p>A domestic worker is entitled to a paid weekly rest of at least twenty-four consecutive hours, "
                "on a day agreed in writing between the employer and the worker when the contract is made.</p>"
            ),
            "work-on-rest-day": (
                "<p>An employer may not have the worker work on the rest day without the worker's written "
                "consent; the worker is then entitled to extra pay of at least one and a half days' wages, or a "
                "replacement rest day in the following week.</p>"
            ),
            "article-2": "Article 2: Daily working hours",
            "daily-hours": (
                "<p>Daily working hours may not exceed twelve, with breaks of at least one hour in total, and an "
                "uninterrupted night rest of at least eight hours.</p>"
            ),
            "article-3": "Article 3: Annual leave and complaints",
            "annual-leave": (
                "<p>A domestic worker is entitled to thirty days of paid annual leave for each year of service. "
                "The employer records rest days and leave in a register that the worker can read and signs.</p>"
            ),
            "complaints": (
                "<p>The ministry receives complaints about this decision through the government e-portal and "
                "the service centres, and decides on them within thirty days of their submission.</p>"
            ),
        },
        "questions": {
            "written-rest-day": {
                "text": "Do you support agreeing the weekly rest day in writing when the contract is made?",
                "choices": ["I support it", "I support it with changes", "I do not support it"],
            },
            "clarity": {"text": "How clear is the draft text?", "help_text": "1 not clear, 5 very clear."},
            "articles-to-revise": {
                "text": "Which provisions need revising, in your view?",
                "help_text": "Choose all that apply.",
                "choices": [
                    "Weekly rest",
                    "Work on the rest day",
                    "Daily working hours",
                    "Annual leave",
                    "Complaints",
                ],
            },
            "suggestions": {
                "text": "Other remarks or suggestions",
                "help_text": "Do not give personal data such as your civil ID number.",
            },
        },
    },
    "questions": [
        {"key": "written-rest-day", "kind": "single", "required": True},
        {"key": "clarity", "kind": "scale", "scale_max": 5, "required": True},
        {"key": "articles-to-revise", "kind": "multiple", "required": False},
        {"key": "suggestions", "kind": "text", "required": False},
    ],
}

POLLS = [
    {
        "slug": "first-e-services",
        "authority": "MSAL",
        "kind": "single",
        "results_shown": "live",
        "opens": -3,
        "closes": 27,
        "options": ["transfer-work-permit", "renew-work-permit", "social-assistance", "salary-certificate"],
        "ar": {
            "title": "ما الخدمة التي تريد إتاحتها إلكترونياً أولاً؟",
            "summary": "تستطلع الوزارة رأي الجمهور في ترتيب الخدمات التي تنتقل إلى بوابة الحكومة الإلكترونية.",
            "options": ["تحويل إذن عمل", "تجديد إذن عمل", "طلب المساعدة الاجتماعية", "شهادة راتب"],
        },
        "en": {
            "title": "Which service should be online first?",
            "summary": "The ministry asks the public which services should move to the government e-portal first.",
            "options": [
                "Transfer of a work permit",
                "Renewal of a work permit",
                "Social assistance",
                "Salary certificate",
            ],
        },
    },
    {
        "slug": "labour-market-priorities",
        "authority": "MSAL",
        "kind": "ranked",
        "results_shown": "after_close",
        "opens": -60,
        "closes": -7,
        "options": ["kuwaitisation", "marginal-labour", "residency-trading", "national-training"],
        "ar": {
            "title": "رتّب أولويات سوق العمل للعام القادم",
            "summary": "رتّب الأولويات من الأهم إلى الأقل أهمية؛ تسترشد الوزارة بالنتائج في خطتها السنوية.",
            "options": [
                "التكويت في القطاع الأهلي",
                "الحد من العمالة الهامشية",
                "مكافحة الاتجار بالإقامات",
                "تدريب العمالة الوطنية",
            ],
        },
        "en": {
            "title": "Rank next year's labour market priorities",
            "summary": "Rank the priorities from most to least important; the ministry uses the results in its annual plan.",
            "options": [
                "Kuwaitisation in the private sector",
                "Reducing marginal labour",
                "Fighting residency trading",
                "Training national labour",
            ],
        },
    },
]

LANGUAGES = ("ar", "en")


def block_id(slug, name):
    return str(uuid.uuid5(BLOCKS, f"{slug}:{name}"))


class Command(BaseCommand):
    help = "Load the civic participation demo (participation section, a consultation, two polls). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        locales = ensure_locales()
        homes = {language: HomePage.objects.filter(locale=locales[language], depth=2).first() for language in LANGUAGES}
        if not all(homes.values()):
            raise CommandError("run load_demo first: the home pages do not exist")
        authorities = {
            language: {item.code: item for item in Authority.objects.filter(locale=locales[language])}
            for language in LANGUAGES
        }
        self.created = 0
        now = timezone.now().replace(minute=0, second=0, microsecond=0)

        indexes = self._translated(
            lambda language: ParticipationIndexPage.objects.child_of(homes[language]).first(),
            lambda language, key: ParticipationIndexPage(
                title=INDEX[language]["title"],
                slug=INDEX["slug"],
                intro=INDEX[language]["intro"],
                locale=locales[language],
                translation_key=key,
            ),
            homes,
        )

        # Every ministry's editors launch their own consultations and polls here, reviewed by the approvers.
        let_ministries_launch(list(indexes.values()))

        record = CONSULTATION
        self._translated(
            lambda language: ConsultationPage.objects.child_of(indexes[language]).filter(slug=record["slug"]).first(),
            lambda language, key: self._consultation(record, language, key, locales, authorities, now),
            indexes,
        )
        for poll in POLLS:
            self._translated(
                lambda language, poll=poll: (
                    PollPage.objects.child_of(indexes[language]).filter(slug=poll["slug"]).first()
                ),
                lambda language, key, poll=poll: self._poll(poll, language, key, locales, authorities, now),
                indexes,
            )
        self.stdout.write(self.style.SUCCESS(f"Participation demo: {self.created} page(s) created."))

    def _translated(self, find, build, parents):
        """The page in each language: found, or built as a translation of the others and published."""
        pages = {language: find(language) for language in LANGUAGES}
        key = next((page.translation_key for page in pages.values() if page), uuid.uuid4())
        for language in LANGUAGES:
            if pages[language] is None:
                page = build(language, key)
                parents[language].add_child(instance=page)
                page.save_revision().publish()
                pages[language] = page
                self.created += 1
        return pages

    def _consultation(self, record, language, key, locales, authorities, now):
        texts = record[language]
        page = ConsultationPage(
            title=texts["title"],
            slug=record["slug"],
            locale=locales[language],
            translation_key=key,
            authority=authorities[language][record["authority"]],
            summary=texts["summary"],
            opens_at=now + timedelta(days=record["opens"]),
            closes_at=now + timedelta(days=record["closes"]),
            body=[
                {"type": kind, "value": texts["body"][name], "id": block_id(record["slug"], name)}
                for kind, name in record["body"]
            ],
        )
        page.questions = [
            ConsultationQuestion(
                key=question["key"],
                text=texts["questions"][question["key"]]["text"],
                help_text=texts["questions"][question["key"]].get("help_text", ""),
                kind=question["kind"],
                choices="\n".join(texts["questions"][question["key"]].get("choices", [])),
                scale_max=question.get("scale_max", 5),
                required=question["required"],
                sort_order=position,
            )
            for position, question in enumerate(record["questions"])
        ]
        return page

    def _poll(self, record, language, key, locales, authorities, now):
        texts = record[language]
        page = PollPage(
            title=texts["title"],
            slug=record["slug"],
            locale=locales[language],
            translation_key=key,
            authority=authorities[language][record["authority"]],
            summary=texts["summary"],
            opens_at=now + timedelta(days=record["opens"]),
            closes_at=now + timedelta(days=record["closes"]),
            kind=record["kind"],
            results_shown=record["results_shown"],
        )
        page.options = [
            PollOption(key=option_key, label=label, sort_order=position)
            for position, (option_key, label) in enumerate(zip(record["options"], texts["options"], strict=True))
        ]
        return page
