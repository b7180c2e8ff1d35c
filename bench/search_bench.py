"""Search benchmark: the database engine on PostgreSQL with 10,000 generated bilingual documents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python bench/search_bench.py   (or: make bench)

Creates a database of its own (<name>_search_bench) on the server of DATABASE_URL, migrates the search app
into it, indexes the documents in bulk and one at a time, then runs a fixed set of 50 searches (Arabic and
English, with and without filters, both orders, a second page) and 10 suggestion prefixes for a few rounds.
Prints indexing throughput and p50/p95 latency, and the ratio of p95 to the target (100 ms on 2 cores).
Drops its database at the end. Stops by itself: each phase has a time budget.

A search or suggestion that raises is counted under its error's description, not fatal at once: every error is
printed at the end and makes the bench exit with status 1. BENCH_SMOKE=1: 500 documents, 20 single updates, one
round (bench/benchlib.py). Figures go to bench/results.json under "search_engine"."""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import SMOKE, Errors, percentile, record, run_in_scratch_database, setting

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = setting("BENCH_DOCUMENTS", 10_000, 500)
SINGLE_UPDATES = setting("BENCH_SINGLE_UPDATES", 200, 20)
ROUNDS = setting("BENCH_ROUNDS", 8, 1)
QUERY_BUDGET_SECONDS = setting("BENCH_QUERY_SECONDS", 150, 30)
TARGET_P95_MS = 100.0
SEED = 20261126

ARABIC = """خدمة إلكترونية بوابة الحكومة الإلكترونية معاملة طلب تجديد إصدار البطاقة المدنية الرقم المدني إذن عمل
تحويل صاحب العمل منشأة العمالة الوطنية الوافدة شهادة رخصة تجارية ترخيص بناء المساعدة الاجتماعية علاوة الأسرة
الاستعلام عن حالة الهيئة العامة للقوى العاملة وزارة الشؤون الاجتماعية والعمل المستندات المطلوبة الرسوم دينار
مدة الإنجاز شروط الاستحقاق خطوات الحصول على الخدمة ابدأ الآن قنوات تقديم مركز خدمة السند القانوني مناسبة حياتية
استشارة عامة استطلاع عريضة التوقيع تعليق رد رسمي إشعار متابعة التحقق من إيصال الدفع والتحصيل استرداد التكويت
سوق العمل القطاع الأهلي الحكومي المحافظات العاصمة حولي الفروانية مبارك الكبير الأحمدي الجهراء مستشفى مبنى
الإقامة تأشيرة زيارة عائلية جواز السفر عقد الزواج شهادة الميلاد الوفاة توكيل قضية منع السفر تقرير طبي لياقة
صحية جمعية خيرية تعاونية عضوية ذوي الإعاقة الدعم المدرسية أبناء الأسر المستحقة التوظيف المركزي راتب موظفي
تفعيل الهوية الرقمية الهاتف عنوان السكن بدل فاقد تالف جاهزية مستخرج السجل التجاري اسم لوحة إعلانية محل غذائية
إلى على في من عن مع هذه التي الذي يمكن خلال بعد قبل جميع""".split()
ENGLISH = """online service e-government portal application request renew renewal issue civil ID card number work
permit transfer employer establishment national expatriate labour certificate commercial licence building social
assistance family allowance check status Public Authority for Manpower Ministry of Social Affairs and Labour
required documents fees dinar processing time eligibility steps start now channels service centre legal basis
life event consultation poll petition sign comment official answer notification follow verify receipt payment
refund Kuwaitisation labour market private sector government governorate Capital Hawalli Farwaniya Ahmadi Jahra
hospital residence visa family visit passport marriage contract birth death power of attorney court case travel
ban medical report fitness charity cooperative membership disability support school children central
employment salary activate digital identity phone address replacement lost damaged ready extract register trade
name shop sign food health the a of to in with your you can after before all""".split()
KINDS = ["service"] * 6 + ["consultation", "petition", "poll", "comment"]
AUTHORITIES = ["PAM", "MSAL", "PACI", "MOI", "MOH", "MOJ", "MOCI", "KM", "CSC", "CAIT", "MOE", "MOF", "KFD", "PAAET"]
LIFE_EVENTS = ["employment", "family", "housing", "health", "education", "starting-a-business", "retirement"]
LIFE_EVENTS += ["identity-and-documents", "travel-and-residency", "social-support"]
STATUSES = ["available", "available", "available", "suspended", "open", "closed"]

QUERIES = [
    {"text": "تجديد"},
    {"text": "البطاقه المدنيه"},
    {"text": "الكترونيه"},
    {"text": "معامله"},
    {"text": "اذن عمل"},
    {"text": "تحويل إذن عمل صاحب العمل"},
    {"text": "رخصه تجاريه"},
    {"text": "شهادة"},
    {"text": "المساعدة الاجتماعية"},
    {"text": "الاستعلام عن حالة معاملة"},
    {"text": "تأشيرة زيارة عائلية"},
    {"text": "الهويه الرقميه"},
    {"text": "ذوي الاعاقه"},
    {"text": "سوق العمل التكويت"},
    {"text": "مستشفي"},
    {"text": "renew"},
    {"text": "work permit"},
    {"text": "civil id card"},
    {"text": "social assistance"},
    {"text": "commercial licence"},
    {"text": "check the status of an application"},
    {"text": "family visit visa"},
    {"text": "digital identity phone"},
    {"text": "Kuwaitisation certificate"},
    {"text": "hospital"},
    {"text": "تجديد", "locale": "ar"},
    {"text": "البطاقة", "locale": "ar", "authorities": ("PACI",)},
    {"text": "شهادة", "kinds": ("service",), "locale": "ar"},
    {"text": "عريضة", "kinds": ("petition",)},
    {"text": "اذن عمل", "life_events": ("employment",)},
    {"text": "renew", "locale": "en", "authorities": ("PAM", "MOI")},
    {"text": "certificate", "kinds": ("service",), "statuses": ("available",)},
    {"text": "permit", "life_events": ("employment", "travel-and-residency"), "locale": "en"},
    {"text": "family", "date_from": "2025-01-01"},
    {"text": "معامله", "date_from": "2024-06-01", "date_to": "2025-06-30"},
    {"text": "تجديد", "order": "date"},
    {"text": "licence", "order": "date", "locale": "en"},
    {"text": "شهادة", "page": 2},
    {"text": "service", "page": 3, "locale": "en"},
    {"text": "خدمة الكترونية", "order": "date", "page": 2},
    {"text": "تجديد civil"},
    {"text": "PAM ٢٠٢٥"},
    {"text": "the"},
    {"text": '"; DROP TABLE x; -- title:(a AND "b'},
    {"text": "zzzzqqq"},
    {},
    {"locale": "ar", "order": "date"},
    {"kinds": ("consultation",), "locale": "en"},
    {"authorities": ("MSAL",), "life_events": ("family",)},
    {"date_from": "2025-01-01", "date_to": "2025-03-31", "page": 2},
]
SUGGESTIONS = ["تج", "تجد", "البطا", "بطاق", "اذن ع", "شها", "re", "ren", "work pe", "civil i"]


def words(rng, vocabulary, low, high):
    return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(low, high)))


def generate(count):
    from search.registry import SearchRecord

    rng = random.Random(SEED)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(count):
        locale = "ar" if number % 2 == 0 else "en"
        vocabulary = ARABIC if locale == "ar" else ENGLISH
        kind = rng.choice(KINDS)
        yield SearchRecord(
            kind=kind,
            source_id=str(number),
            locale=locale,
            title=words(rng, vocabulary, 3, 9).capitalize(),
            url=f"/{locale}/{kind}/{number}/",
            summary=words(rng, vocabulary, 15, 35),
            body=words(rng, vocabulary, 80, 260),
            authority=rng.choice(AUTHORITIES),
            status=rng.choice(STATUSES),
            life_events=tuple(rng.sample(LIFE_EVENTS, rng.randint(0, 3))),
            date=start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
        )


def search_query(spec):
    from django.utils.dateparse import parse_date

    from search.api import _day_end, _day_start
    from search.query import SearchQuery

    spec = dict(spec)
    for name, convert in (("date_from", _day_start), ("date_to", _day_end)):
        if name in spec:
            spec[name] = convert(parse_date(spec[name]))
    return SearchQuery(**spec)


def bench(database_url):
    import django

    os.environ["DATABASE_URL"] = database_url
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from search.engines.database import DatabaseEngine
    from search.models import SearchEntry

    call_command("migrate", "portal_search", verbosity=0)
    engine = DatabaseEngine()
    records = list(generate(DOCUMENTS))

    started = time.perf_counter()
    written = engine.rebuild(iter(records))
    bulk_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_search_searchentry; ANALYZE portal_search_searchentrylifeevent")
    assert written == SearchEntry.objects.count() == DOCUMENTS

    rng = random.Random(SEED + 1)
    started = time.perf_counter()
    for one in rng.sample(records, SINGLE_UPDATES):
        engine.index([one])
    single_seconds = time.perf_counter() - started

    queries = [search_query(spec) for spec in QUERIES]
    errors = Errors()

    def timed(call, *args):
        """(milliseconds, result), or (None, None) with the error counted."""
        started = time.perf_counter()
        try:
            result = call(*args)
        except Exception as error:  # noqa: BLE001 — counted, printed and failing the run at the end
            errors.met(error)
            return None, None
        return (time.perf_counter() - started) * 1000, result

    for query in queries:  # warm-up
        timed(engine.search, query)
    errors.clear()
    latencies, matched, deadline = [], [], time.perf_counter() + QUERY_BUDGET_SECONDS
    first_round = []
    rounds = 0
    while rounds < ROUNDS and time.perf_counter() < deadline:
        for query, spec in zip(queries, QUERIES, strict=True):
            latency, results = timed(engine.search, query)
            if latency is None:
                continue
            latencies.append(latency)
            if rounds == 0:
                matched.append(results.count)
                first_round.append((latency, spec))
        rounds += 1
    suggest_latencies = []
    for _round in range(ROUNDS):
        for prefix in SUGGESTIONS:
            latency, _ = timed(engine.suggest, prefix)
            if latency is not None:
                suggest_latencies.append(latency)

    p50, p95 = statistics.median(latencies or [0]), percentile(latencies, 0.95)
    print(
        f"search benchmark{' (smoke run)' if SMOKE else ''} — database engine on PostgreSQL, {DOCUMENTS:,} bilingual documents"
    )
    print(f"  indexing, bulk (rebuild):      {DOCUMENTS / bulk_seconds:8.0f} documents/s  ({bulk_seconds:.1f} s)")
    print(f"  indexing, one at a time:       {SINGLE_UPDATES / single_seconds:8.0f} documents/s")
    print(
        f"  searches: {len(queries)} queries × {rounds} rounds, median {statistics.median(matched or [0]):.0f} matches"
    )
    print(f"  search latency   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(latencies, default=0):7.1f} ms")
    suggest_p50, suggest_p95 = statistics.median(suggest_latencies or [0]), percentile(suggest_latencies, 0.95)
    print(f"  suggest latency  p50 {suggest_p50:7.1f} ms   p95 {suggest_p95:7.1f} ms")
    print(
        f"  p95 / target ({TARGET_P95_MS:.0f} ms): {p95 / TARGET_P95_MS:.2f}"
        f"  → {'within' if p95 <= TARGET_P95_MS else 'OVER'} target"
    )
    for latency, spec in sorted(first_round, key=lambda item: -item[0])[:3]:
        print(f"  slowest (first round): {latency:6.1f} ms  {spec}")
    errors.report("the searches")
    record(
        "search_engine",
        {
            "documents": DOCUMENTS,
            "indexing_bulk_per_second": round(DOCUMENTS / bulk_seconds),
            "indexing_single_per_second": round(SINGLE_UPDATES / single_seconds),
            "searches": len(latencies),
            "search_latency_ms": {"p50": round(p50, 1), "p95": round(p95, 1)},
            "suggest_latency_ms": {"p50": round(suggest_p50, 1), "p95": round(suggest_p95, 1)},
            "errors": errors.as_dict(),
            "targets": {"search_p95_ms_max": TARGET_P95_MS, "met": p95 <= TARGET_P95_MS},
            "ok": not errors and bool(latencies),
        },
    )
    return not errors and bool(latencies)


def main():
    ok = run_in_scratch_database("search_bench", bench)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
