"""StreamField blocks an editor puts on a page: "indicator chart" and "indicator table".

The editor chooses what to show (a measure, or the Kuwaitisation rate), the dimension whose codes become
the series, optional filters, how many recent periods, and for a chart its kind. The figures are read
when the page is served (labour.selectors), so a page follows the data without being edited again.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from core import charts
from core.errors import InvalidInput

from . import codes as cl

INDICATOR_CHOICES = [
    ("EMP", _("Employed persons")),
    ("WP_ISS", _("Work permits issued")),
    ("WP_CAN", _("Work permits cancelled")),
    ("WP_TRF", _("Work permits transferred")),
    ("JOBSEEK", _("Registered job seekers")),
    ("EST", _("Establishments")),
    ("KWT_SHARE", _("Kuwaitisation rate (share of Kuwaitis among workers, %)")),
]
SERIES_CHOICES = [
    ("", _("None (one series)")),
    ("measure", _("Measure (compare several, e.g. permits issued and cancelled)")),
    ("nationality", _("Nationality")),
    ("sector", _("Sector")),
    ("activity", _("Economic activity")),
    ("occupation", _("Occupation")),
    ("sex", _("Sex")),
    ("governorate", _("Governorate")),
]
FREQUENCY_CHOICES = [("Q", _("Quarterly")), ("A", _("Annual")), ("M", _("Monthly"))]
KIND_CHOICES = [("line", _("Line")), ("bar", _("Bar")), ("stacked", _("Stacked bar"))]


class IndicatorQueryBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    indicator = blocks.ChoiceBlock(choices=INDICATOR_CHOICES, default="EMP", label=_("Indicator"))
    series_by = blocks.ChoiceBlock(
        choices=SERIES_CHOICES,
        required=False,
        label=_("Series by"),
        help_text=_("The dimension whose codes become the series (for example sector)."),
    )
    series_codes = blocks.CharBlock(
        required=False,
        max_length=200,
        label=_("Series codes"),
        help_text=_("Only these codes of that dimension, comma-separated (for example GOV,PRV). Empty: all."),
    )
    filters = blocks.CharBlock(
        required=False,
        max_length=300,
        label=_("Filters"),
        help_text=_("Other dimensions fixed to codes, as in the API: sector=PRV&activity=K. Empty: totals."),
    )
    frequency = blocks.ChoiceBlock(choices=FREQUENCY_CHOICES, default="Q", label=_("Frequency"))
    periods = blocks.IntegerBlock(min_value=1, max_value=40, default=8, label=_("Latest periods shown"))

    def clean(self, value):
        value = super().clean(value)
        from . import selectors

        try:
            for _kind, query in query_for(value):
                selectors.check(query)
        except InvalidInput as error:
            if error.field == "by":
                name = "series_by"
            elif error.field == "measure":
                name = "series_codes" if value.get("series_by") == "measure" else "indicator"
            elif error.field and error.field == value.get("series_by"):
                name = "series_codes"
            else:
                name = "filters"
            raise StructBlockValidationError(block_errors={name: ValidationError(error.message)}) from None
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context.update(figures(value))
        return context


def query_for(value):
    """The selectors queries a block's choices stand for, as (kind, query): one, or one per measure when the
    series are measures. InvalidInput when a code or a filter is wrong."""
    from . import selectors

    params = {}
    for pair in (value.get("filters") or "").split("&"):
        name, _equals, codes = pair.partition("=")
        if name.strip():
            if name.strip() not in cl.DIMENSION_NAMES:
                raise InvalidInput(
                    _("“%(name)s” is not a dimension.") % {"name": name.strip()},
                    field="filters",
                    code="labour_bad_dimension",
                )
            params[name.strip()] = codes.strip()
    series_by = value.get("series_by") or ""
    params["frequency"] = value.get("frequency") or "Q"
    if series_by == "measure":
        measures = [code.strip() for code in (value.get("series_codes") or "").split(",") if code.strip()]
        if not measures:
            raise InvalidInput(_("Name the measures to compare, for example WP_ISS,WP_CAN."), field="measure")
        return [("value", selectors.parse_query({**params, "measure": measure})) for measure in measures]
    if series_by:
        params["by"] = series_by
        if value.get("series_codes"):
            params[series_by] = value["series_codes"]
    if value.get("indicator") == "KWT_SHARE":
        if series_by == "nationality":
            raise InvalidInput(_("The Kuwaitisation rate cannot be split by nationality."), field="by")
        params.pop("nationality", None)
        return [("rate", selectors.parse_query(params, by_allowed=cl.KUWAITISATION_BY, measure_default="EMP"))]
    params["measure"] = value.get("indicator") or "EMP"
    return [("value", selectors.parse_query(params))]


def figures(value):
    """What a block's template needs: the chart's data, its table, its summary, and whether it is illustrative."""
    from . import selectors

    series, labels, illustrative, kind = {}, {}, False, "value"
    for kind, query in query_for(value):
        result = selectors.kuwaitisation(query) if kind == "rate" else selectors.series(query)
        illustrative = illustrative or result.illustrative
        by = query.by[0] if query.by else None
        value_index = result.columns.index(kind)
        for row in result.rows:
            if by:
                code, label = row[1], result.codes[by][row[1]].label
            elif kind == "rate":
                code, label = "KWT_SHARE", str(_("Kuwaitisation rate"))
            else:
                code, label = query.measure, result.codes[cl.MEASURE][query.measure].label
            labels[code] = label
            series.setdefault(code, {})[row[0]] = row[value_index]
    periods = sorted({period for values in series.values() for period in values})[-(value.get("periods") or 8) :]
    data = charts.ChartData(
        categories=periods,
        series=[
            charts.ChartSeries(code=code, label=labels[code], values=[values.get(period) for period in periods])
            for code, values in series.items()
        ],
        percent=kind == "rate",
    )
    title = value.get("title") or ""
    right_to_left = (get_language() or "ar").startswith("ar")
    return {
        "drawing": charts.draw(data, value.get("kind") or "line", right_to_left=right_to_left),
        "data": data,
        "table": [
            (period, [charts.format_number(s.values[index], data.percent) for s in data.series])
            for index, period in enumerate(data.categories)
        ],
        "summary": charts.summary(data, title=title),
        "illustrative": illustrative,
        "right_to_left": right_to_left,
    }


class IndicatorChartBlock(IndicatorQueryBlock):
    kind = blocks.ChoiceBlock(choices=KIND_CHOICES, default="line", label=_("Chart"))

    class Meta:
        icon = "table"
        label = _("Indicator chart")
        template = "labour/blocks/indicator_chart.html"


class IndicatorTableBlock(IndicatorQueryBlock):
    class Meta:
        icon = "list-ul"
        label = _("Indicator table")
        template = "labour/blocks/indicator_table.html"
