import io
import re

import pytest
from django.core.management import call_command
from wagtail.blocks.struct_block import StructBlockValidationError

from labour.blocks import IndicatorChartBlock
from labour.models import LabourDashboardPage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_site")]

ARABIC_INDIC_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


@pytest.fixture
def dashboard():
    call_command("load_labour_demo", stdout=io.StringIO())


def _page(client, language):
    response = client.get(f"/{language}/labour-market/")
    assert response.status_code == 200
    return response, response.content.decode()


def test_demo_dashboard_exists_in_both_languages_as_translations_and_is_loaded_once(dashboard):
    ar = LabourDashboardPage.objects.get(locale__language_code="ar")
    en = LabourDashboardPage.objects.get(locale__language_code="en")
    assert ar.translation_key == en.translation_key and ar.live and en.live
    call_command("load_labour_demo", stdout=io.StringIO())
    assert LabourDashboardPage.objects.count() == 2


def test_arabic_dashboard_draws_svg_charts_right_to_left_with_western_digits(client, dashboard):
    response, html = _page(client, "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert html.count('<svg class="labour-chart-svg"') == 4
    assert "بيانات توضيحية، وليست إحصاءات رسمية." in html
    assert "العاملون حسب القطاع" in html and "القطاع الأهلي (الخاص)" in html
    assert not ARABIC_INDIC_DIGITS.search(html)
    assert re.search(r">\d{1,3}(,\d{3})+<", html)  # thousands written 1,234,567
    # Time runs from right to left: the first period's label stands to the right of the last one's.
    first_chart = html.split('<svg class="labour-chart-svg"')[1].split("</svg>")[0]
    labels = re.findall(r'<text class="labour-category" x="([\d.]+)"', first_chart)
    assert float(labels[0]) > float(labels[-1])


def test_english_dashboard_runs_left_to_right(client, dashboard):
    _response, html = _page(client, "en")
    first_chart = html.split('<svg class="labour-chart-svg"')[1].split("</svg>")[0]
    labels = re.findall(r'<text class="labour-category" x="([\d.]+)"', first_chart)
    assert float(labels[0]) < float(labels[-1])
    assert "Illustrative data, not official statistics." in html


def test_every_chart_has_a_table_and_a_summary_and_no_inline_style_or_script(client, dashboard):
    response, html = _page(client, "en")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert " style=" not in main and "<script" not in main
    assert main.count('<table class="labour-table') == 5  # four charts' tables, and the table block
    assert main.count('class="labour-summary"') == 5
    assert "Kuwaitisation rate by sector (%), from" in main
    assert "Private sector:" in main


def test_the_dashboard_follows_the_theme_through_classes(client, dashboard):
    client.post("/theme/contrast/", {"contrast": "high"})
    _response, html = _page(client, "en")
    assert 'data-theme="high-contrast"' in html
    assert "labour/charts.css" in html and 'class="labour-bar labour-series-1"' in html


def test_a_chart_block_with_an_unknown_code_is_refused_in_the_editor():
    block = IndicatorChartBlock()
    value = block.to_python(
        {"title": "x", "indicator": "EMP", "series_by": "sector", "series_codes": "XYZ", "kind": "line", "periods": 4}
    )
    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)
    assert "series_codes" in refused.value.block_errors


def test_a_chart_block_with_a_bad_filter_is_refused_in_the_editor():
    block = IndicatorChartBlock()
    value = block.to_python({"title": "x", "indicator": "EMP", "filters": "colour=red", "kind": "line", "periods": 4})
    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)
    assert "filters" in refused.value.block_errors


@pytest.mark.parametrize(("language", "label"), [("ar", "سوق العمل"), ("en", "Labour market")])
def test_the_public_main_menu_links_the_dashboard_in_the_pages_language(
    client, language, label, django_capture_on_commit_callbacks
):
    home = client.get(f"/{language}/").content.decode()
    assert f"/{language}/labour-market/" not in home.split('<nav class="main-nav"')[1].split("</nav>")[0]

    with django_capture_on_commit_callbacks(execute=True):  # publishing purges the menu the pages keep
        call_command("load_labour_demo", stdout=io.StringIO())
    _response, html = _page(client, language)
    nav = html.split('<nav class="main-nav"')[1].split("</nav>")[0]
    link = nav.split(f'href="/{language}/labour-market/"', 1)[1].split("</a>", 1)[0]
    assert link == f' aria-current="page">{label}'
