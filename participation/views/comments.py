"""Where the comment thread's forms post (`{% comment_thread %}` renders them). Writes go through the
services, exactly as in the API. Success: back to the page (`next`, when it is safe) with a message.
Refusal: the form again, with the error next to the field and the text as typed, with the refusal's status."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import safe_next

from ..forms.comments import CommentForm, EditCommentForm, FlagForm, VoteForm
from ..models import Comment, Petition
from ..selectors import comments as selectors
from ..services import comments as services
from ..services import moderation
from ..services.common import AssuranceTooLow, ParticipationError

FORM_PAGE = "participation/comments/form_page.html"


def _back(request, fallback="/"):
    return safe_next(request, fallback)


def _page_of(name, target):
    if name == "petition":
        return reverse("participation:petition_detail", args=[target.pk])
    return target.localized.url or "/"


def _comment_page(comment):
    target = selectors.target_of(comment)
    return _page_of(comment.target_name, target)


def _form_page(request, form, heading, action, *, refusal=None, status=400):
    """The form page; its forms describe each field's errors themselves (core.forms.DescribedErrorsMixin)."""
    return render(
        request,
        FORM_PAGE,
        {
            "form": form,
            "refusal": refusal,
            "needs_sign_in": isinstance(refusal, AssuranceTooLow) and not request.user.is_authenticated,
            "heading": heading,
            "action": action,
            "back": _back(request),
        },
        status=status,
    )


def _shape(form, request, found):
    """Only the fields the thread showed: a stance on consultations, "official" for the authority's staff."""
    name, target = found if found else ("", None)
    if name != "consultation":
        form.fields.pop("stance", None)
    if target is None or not services.may_answer_for(request.user, target.authority):
        form.fields.pop("official", None)
    return form


def _refused(request, error, *, form=None, field=None, heading, action, status=None):
    """The form page again: a refusal about one field goes next to it; anything else above the form."""
    if form is not None and field and field in form.fields:
        form.add_error(field, error.message)
        error = None
    return _form_page(request, form, heading, action, refusal=error, status=status or getattr(error, "status", 400))


# Refusals that are about the text are shown next to the text.
TEXT_ERRORS = (services.EmptyComment, services.CommentTooLong)


@require_POST
def post_comment(request):
    form = CommentForm(request.POST)
    heading = _("Comment")
    action = reverse("participation:comment_post")
    valid = form.is_valid()
    data = form.cleaned_data
    found = selectors.find_target(data["target"], data["target_id"]) if "target_id" in data else None
    if found is None and "target" in data and "target_id" in data:
        raise Http404
    _shape(form, request, found)
    if not valid:
        return _form_page(request, form, heading, action)
    name, target = found
    try:
        services.post_comment(
            request.user,
            target,
            data["body"],
            parent=data.get("parent"),
            paragraph=data.get("paragraph", ""),
            stance=data.get("stance", ""),
            official=data.get("official", False),
            request=request,
        )
    except ParticipationError as error:
        field = "body" if isinstance(error, TEXT_ERRORS) else None
        return _refused(request, error, form=form, field=field, heading=heading, action=action)
    messages.success(request, _("Your comment is published."))
    return redirect(_back(request, _page_of(name, target)))


@require_http_methods(["GET", "HEAD", "POST"])
def edit_comment(request, pk):
    comment = Comment.objects.filter(pk=pk).first()
    if comment is None or not selectors.is_author(comment, request.user):
        raise Http404
    heading = _("Edit your comment")
    action = reverse("participation:comment_edit", args=[pk])
    if request.method != "POST":
        form = EditCommentForm(initial={"body": comment.body, "next": _back(request, _comment_page(comment))})
        if not selectors.may_edit(comment, request.user):
            return _refused(request, services.EditWindowClosed(), heading=heading, action=action, status=200)
        return _form_page(request, form, heading, action, status=200)
    form = EditCommentForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, heading, action)
    try:
        services.edit_comment(request.user, comment, form.cleaned_data["body"], request=request)
    except ParticipationError as error:
        field = "body" if isinstance(error, TEXT_ERRORS) else None
        return _refused(request, error, form=form, field=field, heading=heading, action=action)
    messages.success(request, _("Your comment is updated."))
    return redirect(_back(request, _comment_page(comment)))


@require_POST
def delete_comment(request, pk):
    try:
        comment = services.delete_comment(request.user, pk)
    except services.CommentNotFound:
        raise  # a 404, answered by core.middleware.ErrorShapeMiddleware
    except ParticipationError as error:
        return _refused(request, error, heading=_("Delete your comment"), action="")
    messages.success(request, _("Your comment is deleted."))
    return redirect(_back(request, _comment_page(comment)))


@require_POST
def vote_on_comment(request, pk):
    form = VoteForm(request.POST)
    heading = _("Vote on a comment")
    if not form.is_valid():
        return _refused(request, services.CommentError(_("Vote up or down.")), heading=heading, action="")
    value = form.cleaned_data["value"]
    try:
        if value == "none":
            comment = services.withdraw_comment_vote(request.user, pk, request=request)
        else:
            comment = services.vote_on_comment(request.user, pk, 1 if value == "up" else -1, request=request)
    except services.CommentNotFound:
        raise  # a 404, answered by core.middleware.ErrorShapeMiddleware
    except ParticipationError as error:
        return _refused(request, error, heading=heading, action="")
    messages.success(request, _("Your vote is counted.") if value != "none" else _("Your vote is withdrawn."))
    return redirect(_back(request, _comment_page(comment)))


def _flag(request, flag, heading, action, fallback):
    form = FlagForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, heading, action)
    try:
        flag(form.cleaned_data["reason"], form.cleaned_data["note"])
    except ParticipationError as error:
        if error.status == 404:
            raise  # answered by core.middleware.ErrorShapeMiddleware
        return _refused(request, error, form=form, heading=heading, action=action)
    messages.success(request, _("Thank you: moderators will look at your report."))
    return redirect(_back(request, fallback()))


@require_POST
def flag_comment(request, pk):
    return _flag(
        request,
        lambda reason, note: moderation.flag_comment(request.user, pk, reason, note, request=request),
        _("Report a comment"),
        reverse("participation:comment_flag", args=[pk]),
        lambda: _comment_page(Comment.objects.get(pk=pk)),
    )


@require_POST
def flag_petition(request, pk):
    if not Petition.objects.filter(pk=pk, state__in=Petition.PUBLIC_STATES).exists():
        raise Http404
    response = _flag(
        request,
        lambda reason, note: moderation.flag_petition(request.user, pk, reason, note, request=request),
        _("Report a petition"),
        reverse("participation:petition_flag", args=[pk]),
        lambda: reverse("participation:petition_detail", args=[pk]),
    )
    if response.status_code == 302 and not Petition.objects.filter(pk=pk, state__in=Petition.PUBLIC_STATES).exists():
        # The report was the one that hid it: its page is gone, so go back to the list.
        return redirect("participation:petition_list")
    return response


urlpatterns = [
    path("comments/", post_comment, name="comment_post"),
    path("comments/<int:pk>/edit/", edit_comment, name="comment_edit"),
    path("comments/<int:pk>/delete/", delete_comment, name="comment_delete"),
    path("comments/<int:pk>/vote/", vote_on_comment, name="comment_vote"),
    path("comments/<int:pk>/flag/", flag_comment, name="comment_flag"),
    path("petitions/<int:pk>/flag/", flag_petition, name="petition_flag"),
]
