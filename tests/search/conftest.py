import pytest
from django.core.management import call_command
from django.test import override_settings

from tests import factories

# The services the search tests name, with the demo's texts (demo/content) for the words those tests look for:
# (service identifier, life events, status, Arabic title and summary, English title and summary).
NAMED_SERVICES = (
    (
        "CAIT-ACC-001",
        ["identity-and-documents"],
        "available",
        "إنشاء حساب في بوابة الحكومة الإلكترونية",
        "أنشئ حسابًا في بوابة الحكومة الإلكترونية لحفظ طلباتك ومتابعتها واستلام الإشعارات، ثم اربطه بهويتك الرقمية لاستخدام جميع الخدمات.",
        "Create an e-government portal account",
        "Create an e-government portal account to save and track your applications and get notifications, then link it to your digital identity to use every service.",
    ),
    (
        "CAIT-ES-001",
        ["identity-and-documents"],
        "available",
        "الإبلاغ عن مشكلة في خدمة إلكترونية",
        "أبلغ الجهاز المركزي لتكنولوجيا المعلومات عن أي خطأ أو عطل يواجهك في خدمة إلكترونية على بوابة الحكومة الإلكترونية، ليتابعه مع الجهة المعنية.",
        "Report a problem with an online service",
        "Tell the Central Agency for Information Technology about an error or fault in an online service on the e-government portal, so that it can follow it up with the body responsible.",
    ),
    (
        "PAM-EN-001",
        ["employment"],
        "available",
        "الاستعلام عن حالة معاملة لدى الهيئة العامة للقوى العاملة",
        "اعرف المرحلة التي وصلت إليها معاملتك لدى الهيئة باستخدام رقم المعاملة، دون الحاجة إلى تسجيل الدخول.",
        "Check the status of a Public Authority for Manpower application",
        "Find out what stage your application has reached using its reference number. You do not need to sign in.",
    ),
    (
        "PAM-WP-001",
        ["employment", "starting-a-business"],
        "available",
        "إصدار إذن عمل جديد",
        "تتيح هذه الخدمة لصاحب العمل المسجل لدى الهيئة إصدار إذن عمل لعامل وافد يُستقدم من خارج الكويت للعمل في منشأته.",
        "Apply for a new work permit",
        "Employers registered with the Authority can use this service to get a work permit for an expatriate worker recruited from outside Kuwait to work in their establishment.",
    ),
    (
        "PAM-WP-002",
        ["employment"],
        "available",
        "تجديد إذن عمل",
        "جدّد إذن عمل العامل الوافد لديك قبل انتهاء صلاحيته، ليتمكن من تجديد إقامته ومواصلة العمل في منشأتك.",
        "Renew a work permit",
        "Renew an expatriate worker’s work permit before it expires, so that they can renew their residence permit and keep working for your establishment.",
    ),
    (
        "PACI-CID-002",
        ["identity-and-documents"],
        "available",
        "تجديد البطاقة المدنية",
        "جدّد بطاقتك المدنية قبل انتهاء صلاحيتها أو بعد تجديد إقامتك، واستلم البطاقة الجديدة من أجهزة التوزيع الآلي.",
        "Renew your civil ID card",
        "Renew your civil ID card before it expires, or after your residence permit has been renewed, and collect the new card from a self-service kiosk.",
    ),
    (
        "MOI-RES-001",
        ["travel-and-residency", "employment"],
        "available",
        "تجديد الإقامة",
        "جدّد إقامة العامل الوافد أو أفراد أسرتك قبل انتهائها، بعد سداد أي مخالفات واستيفاء الشروط.",
        "Renew a residence permit",
        "Renew the residence permit of an expatriate worker or a member of your family before it expires, once any fines are paid and the conditions are met.",
    ),
    (
        "MOH-MR-001",
        ["health"],
        "available",
        "طلب تقرير طبي",
        "اطلب تقريرًا طبيًا عن حالتك الصحية أو علاجك في أحد المستشفيات أو المراكز الصحية الحكومية، لتقديمه إلى جهة عملك أو إلى جهة أخرى.",
        "Ask for a medical report",
        "Ask for a medical report about your health or treatment at a government hospital or health centre, to give to your employer or another organisation.",
    ),
    (
        "MSAL-SA-001",
        ["social-support", "family"],
        "available",
        "طلب المساعدة الاجتماعية",
        "مساعدة مالية شهرية تصرفها الوزارة للأسر والأفراد الكويتيين الذين لا يكفي دخلهم لتلبية احتياجاتهم الأساسية، كالأرامل والمطلقات والمسنين والعاجزين عن العمل.",
        "Apply for social assistance",
        "A monthly payment from the Ministry for Kuwaiti families and individuals whose income does not cover their basic needs, such as widows, divorced women, older people and people unable to work.",
    ),
    (
        "MSAL-SA-002",
        ["family", "social-support"],
        "available",
        "طلب علاوة الأسرة",
        "علاوة شهرية تصرفها الوزارة عن كل ابن لم يبلغ 18 سنة في الأسر الكويتية ذات الدخل المحدود، وتُضاف إلى أي مساعدة اجتماعية تتقاضاها الأسرة.",
        "Apply for family allowance",
        "A monthly allowance from the Ministry for each child under 18 in low-income Kuwaiti families. It is paid on top of any social assistance the family gets.",
    ),
    (
        "MSAL-SA-003",
        ["education", "social-support"],
        "available",
        "طلب المساعدة المدرسية لأبناء الأسر المستحقة",
        "مبلغ يُصرف مرة واحدة في بداية كل عام دراسي لأبناء الأسر المستفيدة من المساعدة الاجتماعية، للمساعدة في تغطية مستلزمات الدراسة.",
        "Apply for school support for children of families on social assistance",
        "A one-off payment at the start of each school year for children in families receiving social assistance, to help with the cost of school supplies.",
    ),
    (
        "MOCI-BL-001",
        ["starting-a-business"],
        "available",
        "إصدار ترخيص تجاري",
        "احصل على ترخيص تجاري لمزاولة نشاط تجاري في موقع محدد، وهو الخطوة الأولى قبل تسجيل المنشأة لدى الهيئة العامة للقوى العاملة.",
        "Apply for a commercial licence",
        "Get a commercial licence to run a business activity at a set location. It is the first step before you register your establishment with the Public Authority for Manpower.",
    ),
    (
        "MOCI-TN-001",
        ["starting-a-business"],
        "suspended",
        "حجز اسم تجاري",
        "احجز اسمًا تجاريًا لنشاطك قبل طلب الترخيص التجاري أو تأسيس الشركة، ليُحفظ باسمك مدة محددة.",
        "Reserve a trade name",
        "Reserve a trade name for your business before you apply for a commercial licence or set up a company, so that it is kept for you for a set period.",
    ),
    # Not in the demo: a title with تجديد after its first word (the order of suggestions), and a third service that
    # mentions الإلكترونية (two would be counted as a dual, without a number).
    (
        "MOI-DL-001",
        ["travel-and-residency"],
        "available",
        "طلب تجديد رخصة القيادة",
        "جدّد رخصة القيادة قبل انتهائها عبر بوابة الحكومة الإلكترونية.",
        "Apply to renew a driving licence",
        "Renew your driving licence before it expires.",
    ),
)

# What a suspended service must say instead.
DOWNTIME = {
    "suspended": {
        "ar": {"downtime_message": "الخدمة متوقفة مؤقتًا."},
        "en": {"downtime_message": "The service is unavailable for now."},
    }
}


@factories.per_module
def search_catalogue():
    """The services of NAMED_SERVICES, and nine more of PAM (twelve in all, more than a page of results), in the
    search index. Returns the Arabic pages."""
    named = factories.named_services(
        *(
            {
                "service_id": service_id,
                "authority_code": service_id.split("-")[0],
                "life_events": life_events,
                "status": status,
                "ar": {"title": ar_title, "summary": ar_summary, **DOWNTIME.get(status, {}).get("ar", {})},
                "en": {"title": en_title, "summary": en_summary, **DOWNTIME.get(status, {}).get("en", {})},
            }
            for service_id, life_events, status, ar_title, ar_summary, en_title, en_summary in NAMED_SERVICES
        )
    )
    others = factories.services(9, authority_codes=("PAM",))
    factories.search_index()
    return [*named, *others]


@pytest.fixture(scope="session")
def demo_search_index(demo, django_db_blocker):
    """The demo catalogue in the database engine's index, built once per run (each test's changes roll back).
    Loading the demo indexes it already, through the page events; rebuilding here makes the tests independent of
    how the test database was made (e.g. --reuse-db)."""
    with django_db_blocker.unblock(), override_settings(ELASTICSEARCH_URL=None):
        call_command("search_reindex", no_progress=True, stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def _index_for_demo_tests(request):
    # Only the tests on the demo search what is committed; the others build their own catalogue and index
    # (search_catalogue above, factories.search_index()).
    if request.node.get_closest_marker("django_db") and "demo" in request.fixturenames:
        request.getfixturevalue("demo_search_index")


@pytest.fixture(autouse=True)
def database_engine(settings):
    """These tests exercise the database engine even when ELASTICSEARCH_URL is set for the live suite
    (test_elasticsearch_live.py), which uses an engine of its own."""
    settings.ELASTICSEARCH_URL = None


@pytest.fixture
def search(client):
    """GET /api/v1/search/ with these parameters; returns the response."""

    def get(**params):
        return client.get("/api/v1/search/", params)

    return get


@pytest.fixture
def suggest(client):
    def get(**params):
        return client.get("/api/v1/search/suggest/", params)

    return get
