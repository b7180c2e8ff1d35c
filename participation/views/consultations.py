"""Consultation pages as citizens see them: the draft paragraph by paragraph (each with a plain link to its
comments), the response form while open, the outcome once published. `ConsultationPage.serve` hands its
requests to `serve_consultation_page`; a response is posted to the page's own address. Writes go through
services, exactly as in the API. The outcome downloads are in the API (participation/api/consultations.py)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from identity.models import Action
from identity.policy import may

from ..forms.consultations import ConsultationResponseForm
from ..models import ConsultationPage, ParticipationIndexPage, Phase, register_page_view
from ..selectors import consultations as selectors
from ..services.common import ParticipationError
from ..services.consultations import respond_to_consultation

RESPONSE_ANCHOR = "respond"


def paragraphs(page):
    """The draft's blocks, each with its stable id (the anchor and the comments' `paragraph`) and how many
    comments it has."""
    counts = selectors.paragraph_comment_counts(page)
    return [
        {"id": block.id, "type": block.block_type, "value": block.value, "comments": counts.get(block.id, 0)}
        for block in page.body
    ]


def consultation_context(page, request):
    """What consultation_page.html needs besides `page` and `request`."""
    selected = request.GET.get("paragraph", "")
    blocks = paragraphs(page)
    if selected not in {block["id"] for block in blocks if block["type"] == "paragraph"}:
        selected = ""
    documents = list(page.documents.select_related("document").order_by("sort_order"))
    response = selectors.response_of(request.user, page)
    phase = page.original().phase if page.phase != Phase.OUTCOME else Phase.OUTCOME
    decision = may(request.user, Action.CONSULTATION_RESPOND)
    context = {
        "phase": phase,
        "paragraphs": blocks,
        "selected_paragraph": selected,
        "selected_block": next((block for block in blocks if block["id"] == selected), None),
        "draft_documents": [document for document in documents if not document.is_outcome],
        "outcome_documents": [document for document in documents if document.is_outcome],
        "my_response": response,
        "may_respond": decision.allowed,
        "assurance_message": decision.message,
        "needs_sign_in": not request.user.is_authenticated,
        "response_anchor": RESPONSE_ANCHOR,
    }
    if phase == Phase.OUTCOME:
        context["tally"] = selectors.tally(page)
    if phase == Phase.OPEN and decision.allowed:
        context["form"] = ConsultationResponseForm(
            selectors.questions(page), answers=response.answers if response else None
        )
    return context


def serve_consultation_page(page, request, *args, **kwargs):
    """A response posted to the page: saved and redirected back (303), or the page again with the errors
    next to the questions they concern (or the refusal, when the form is not offered) and nothing written."""
    form = ConsultationResponseForm(selectors.questions(page), request.POST)
    context = page.get_context(request, *args, **kwargs)
    status = 400
    if form.is_valid():
        try:
            saved = respond_to_consultation(request.user, page, form.answers(), request)
        except ParticipationError as error:
            status = error.status
            if "form" in context:
                form.add_refusal(error)
            else:
                context["refusal"] = error
        else:
            text = _("Your response is saved.") if saved.created else _("Your changed response is saved.")
            messages.success(request, text)
            return HttpResponseRedirect(f"{page.get_url(request)}#{RESPONSE_ANCHOR}", status=303)
    elif "form" not in context:
        status = 403 if context["phase"] == Phase.OPEN else 409
    if "form" in context:
        context["form"] = form
    return TemplateResponse(request, page.get_template(request, *args, **kwargs), context, status=status)


def index_context(page, request):
    return {"listing": selectors.participation_listing(page)}


register_page_view(ParticipationIndexPage, context=index_context)
register_page_view(ConsultationPage, context=consultation_context, post=serve_consultation_page)

urlpatterns = []
