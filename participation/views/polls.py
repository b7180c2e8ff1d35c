"""Poll pages as citizens see them: the question and its options, the ballot form while the poll is open
(filled in with the voter's own ballot, which they may change until it closes), and the results with a
chart and a table once they may be shown. `PollPage.serve` hands a posted ballot to `serve_poll_page`;
the results also have a page of their own. Writes go through services, exactly as in the API."""

from django.http import Http404
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import get_language_bidi
from django.views.decorators.http import require_safe

from core import pagecache
from identity.policy import may

from ..forms.polls import BallotForm
from ..models import Phase, PollKind, PollPage, register_page_view
from ..selectors import polls as selectors
from ..services import polls as services
from ..services.common import ParticipationError, require

BALLOT_ANCHOR = "vote"
BAR_HEIGHT = 18
ROW_HEIGHT = 48


def chart(tallies):
    """A horizontal bar chart as rows of SVG coordinates (percentages of the chart's width), drawn from
    the start edge of the reading direction: right to left in Arabic."""
    rtl = get_language_bidi()
    rows = []
    for index, tally in enumerate(tallies):
        width = max(0.0, min(100.0, tally.percent))
        top = index * ROW_HEIGHT
        rows.append(
            {
                "tally": tally,
                "text_x": "100%" if rtl else "0",
                "text_y": top + 16,
                "anchor": "end" if rtl else "start",
                "bar_x": f"{100 - width:.1f}%" if rtl else "0",
                "bar_y": top + 24,
                "bar_width": f"{width:.1f}%",
                "track_y": top + 24,
            }
        )
    return {"rows": rows, "height": max(ROW_HEIGHT, len(rows) * ROW_HEIGHT), "bar_height": BAR_HEIGHT}


def results_context(page):
    results = selectors.poll_results(page)
    final_round = results.rounds[-1] if results.rounds else None
    charted = final_round.tallies if final_round else results.options
    return {
        "results": results,
        "chart": chart(charted),
        "ranked": results.kind == PollKind.RANKED,
    }


def poll_context(page, request):
    """What poll_page.html needs besides `page` and `request`."""
    original = selectors.original_of(page)
    phase = original.phase
    decision = may(request.user, services.action_for(page))
    saved = page.pk is not None  # a preview of a new poll has no ballots or results yet
    own = selectors.own_ballot(request.user, page) if saved else None
    fewest, most = services.choice_bounds(page)
    context = {
        "poll": original,
        "phase": phase,
        "kind": original.kind,
        "options": selectors.options_of(page),
        "fewest": fewest,
        "most": most,
        "own_ballot": own,
        "may_vote": decision.allowed,
        "assurance_message": decision.message,
        "needs_sign_in": not request.user.is_authenticated,
        "ballot_anchor": BALLOT_ANCHOR,
        "results_available": saved and services.results_available(page),
    }
    if context["results_available"]:
        context.update(results_context(page))
        if phase == Phase.OPEN:
            # Live results: caches keep the page a few seconds only (core/pagecache.py).
            pagecache.public(request, live=True)
    if phase == Phase.OPEN and decision.allowed:
        context["form"] = BallotForm(page, initial=BallotForm.initial_from(own, original.kind))
    return context


def serve_poll_page(page, request, *args, **kwargs):
    """A ballot posted to the page: cast (or replaced) and its receipt shown, or the page again with the
    errors next to the choices they concern (or the refusal) and nothing written."""
    context = page.get_context(request, *args, **kwargs)
    form = BallotForm(page, request.POST)
    status = 400
    try:
        require(request.user, services.action_for(page))
        services.check_open(page)
    except ParticipationError as error:
        context["refusal"] = error
        return TemplateResponse(request, page.get_template(request), context, status=error.status)
    if form.is_valid():
        try:
            cast = services.cast_ballot(request.user, page, form.choices(), request)
        except ParticipationError as error:
            context["refusal"] = error
            status = error.status
        else:
            return render(
                request,
                "participation/polls/ballot_cast.html",
                {"page": page, "poll": selectors.original_of(page), "receipt": cast.receipt, "replaced": cast.replaced},
            )
    context["form"] = form
    return TemplateResponse(request, page.get_template(request), context, status=status)


register_page_view(PollPage, context=poll_context, post=serve_poll_page)


@require_safe
def poll_results(request, pk):
    page = selectors.live_poll(pk)
    if page is None:
        raise Http404
    page = page.localized.specific
    context = {"page": page, "poll": selectors.original_of(page)}
    try:
        services.check_results_available(page)
    except ParticipationError as error:
        context["refusal"] = error
        return render(request, "participation/polls/results_page.html", context, status=error.status)
    context.update(results_context(page))
    return render(request, "participation/polls/results_page.html", context)


urlpatterns = [
    path("polls/<int:pk>/results/", poll_results, name="poll_results"),
]
