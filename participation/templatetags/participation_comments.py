"""`{% load participation_comments %}{% comment_thread target %}`: the comments on a consultation, petition,
poll or service page (any translation: both languages show one thread), with the form to add one;
`paragraph=` narrows a consultation's thread to one paragraph of its draft."""

from django import template

from identity.models import Action
from identity.policy import may

from ..forms.comments import CommentForm, FlagForm
from ..models import FlagReason
from ..selectors import comments as selectors
from ..services import comments as services
from ..services.common import Blocked, is_blocked

register = template.Library()


def _may_comment(request, user, name, target):
    """(allowed, why not, needs sign-in): the same checks the service makes, asked before the form is shown."""
    decision = may(user, Action.COMMENT)
    if not decision.allowed:
        return False, decision.message, not user.is_authenticated
    if is_blocked(user, request):
        return False, Blocked().message, False
    if not services.comments_open(name, target):
        return False, services.CommentsClosed().message, False
    return True, "", False


@register.inclusion_tag("participation/comments/thread.html", takes_context=True)
def comment_thread(context, target, paragraph=""):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    found = selectors.canonical_target(target, kept=True)
    if found is None:
        return {"missing": True}
    name, target = found
    next_url = request.get_full_path() if request is not None else ""
    allowed, why_not, needs_sign_in = _may_comment(request, user, name, target)
    form = CommentForm(
        initial={"target": name, "target_id": target.pk, "paragraph": paragraph, "next": next_url}, auto_id="new-%s"
    )
    if name != "consultation":
        del form.fields["stance"]
    may_answer = bool(user) and services.may_answer_for(user, target.authority)
    if not may_answer:
        del form.fields["official"]
    nodes = selectors.thread(name, target, user, paragraph if paragraph else None)
    return {
        "request": request,
        "user": user,
        "name": name,
        "target": target,
        "paragraph": paragraph,
        "nodes": nodes,
        "count": _count(nodes),
        "form": form,
        "flag_form": FlagForm(),
        "flag_reasons": FlagReason.choices,
        "may_comment": allowed,
        "why_not": why_not,
        "needs_sign_in": needs_sign_in,
        "may_answer": may_answer,
        "signed_in": bool(user) and user.is_authenticated,
        "next": next_url,
        "edit_minutes": int(selectors.edit_window().total_seconds() // 60),
        "heading_id": f"comments-{name}-{target.pk}{'-' + paragraph if paragraph else ''}",
    }


def _count(nodes):
    return sum((node.shown_as == "visible") + _count(node.replies) for node in nodes)


@register.filter
def author_name(user):
    return selectors.author_name(user)


@register.filter
def reason_shown(comment):
    return selectors.hidden_reason(comment)
