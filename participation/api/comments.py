"""`/api/v1/comments/` (+ `votes`, `flags`) and `/api/v1/petitions/{id}/flags/`: thin views over
selectors.comments (reads) and services.comments / services.moderation (writes). Every refusal is
`{"detail", "code"}` in the request's language."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERROR, IdField, validated

from ..models import FlagReason, Stance
from ..models.comments import MAX_LENGTH, TARGETS
from ..selectors import comments as selectors
from ..services import comments as services
from ..services import moderation
from ..services.common import InvalidInput
from .common import Pagination

# Generous before sanitising (markup is counted too); the service's limit applies to what is stored.
RAW_LENGTH = MAX_LENGTH * 4


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.CharField(help_text="consultation, petition, poll or service.")
    target_id = serializers.IntegerField(help_text="The original page (or the petition) the thread belongs to.")
    parent = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField(help_text="1 to 3.")
    paragraph = serializers.CharField(help_text="A consultation body block id; empty: the whole draft.")
    state = serializers.ChoiceField(
        choices=["visible", "hidden", "deleted"],
        help_text="hidden: by moderation (only the author gets the text and the reason); deleted by the author.",
    )
    body = serializers.CharField(allow_null=True, help_text="Sanitised HTML; null when hidden or deleted.")
    hidden_reason = serializers.CharField(allow_null=True, help_text="Only for the author of a hidden comment.")
    stance = serializers.CharField(help_text="for, against, neutral or empty (consultations only).")
    is_official = serializers.BooleanField()
    official_authority = serializers.CharField(allow_null=True, help_text="The authority's code.")
    author = serializers.CharField()
    is_mine = serializers.BooleanField()
    score = serializers.IntegerField(help_text="Up votes minus down votes.")
    my_vote = serializers.IntegerField(allow_null=True, help_text="1, -1 or null.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    editable_until = serializers.DateTimeField(allow_null=True, help_text="Set only for the author.")


def comment_data(comment, viewer):
    shown = selectors.shown_as(comment, viewer)
    mine = selectors.is_author(comment, viewer)
    text_shown = shown in ("visible", "hidden_own")
    return {
        "id": comment.pk,
        "target": comment.target_name,
        "target_id": comment.target_id,
        "parent": comment.parent_id,
        "depth": comment.depth,
        "paragraph": comment.paragraph,
        "state": "hidden" if shown == "hidden_own" else shown,
        "body": comment.body if text_shown else None,
        "hidden_reason": selectors.hidden_reason(comment) if shown == "hidden_own" else None,
        "stance": comment.stance if text_shown else "",
        "is_official": comment.is_official,
        "official_authority": comment.official_authority.code if comment.official_authority_id else None,
        "author": str(selectors.author_name(comment.author)) if shown == "visible" or mine else "",
        "is_mine": mine,
        "score": getattr(comment, "score", 0) or 0,
        "my_vote": getattr(comment, "my_vote", None),
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "editable_until": selectors.editable_until(comment) if mine and not comment.deleted_at else None,
    }


def serialized(comment, viewer):
    return CommentSerializer(comment_data(comment, viewer)).data


def _found(pk, viewer):
    comment = selectors.comment_for(pk, viewer)
    if comment is None:
        raise services.CommentNotFound()
    return comment


class TargetSerializer(serializers.Serializer):
    """What a comment is on: exactly one of these ids (in the list's query, or in a new comment's body)."""

    consultation = IdField(required=False)
    petition = IdField(required=False)
    poll = IdField(required=False)
    service = IdField(required=False)


def _target_from(data):
    given = [name for name in TARGETS if data.get(name) is not None]
    if len(given) != 1:
        raise InvalidInput(_("Name exactly one of consultation, petition, poll or service."))
    name = given[0]
    found = selectors.find_target(name, data[name])
    if found is None:
        raise services.CommentNotFound(_("There is nothing with that id to comment on."))
    return found


TARGET_PARAMETERS = [
    OpenApiParameter(
        name, int, description=f"The id of a {name}{'' if name == 'petition' else ' page (any language)'}."
    )
    for name in TARGETS
]


class NewCommentSerializer(TargetSerializer):
    parent = IdField(required=False, allow_null=True, help_text="Reply to this comment.")
    paragraph = serializers.CharField(required=False, allow_blank=True, max_length=64)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=RAW_LENGTH,
        help_text=f"HTML, sanitised before it is stored (p, br, strong, em, ul, ol, li, blockquote, http(s) links); "
        f"at most {MAX_LENGTH} characters once sanitised.",
    )
    official = serializers.BooleanField(
        required=False, default=False, help_text="An official answer for the authority (its staff only)."
    )


class EditCommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=RAW_LENGTH)


class CommentListView(APIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = Pagination  # the schema documents the page object ({count, next, previous, results})

    @extend_schema(
        summary="Comments on a consultation, petition, poll or service page",
        description="Oldest first, flat: each comment names its `parent` and `depth` (1–3).",
        parameters=[*TARGET_PARAMETERS, OpenApiParameter("paragraph", str, description="A consultation paragraph.")],
        responses={200: CommentSerializer(many=True), 400: ERROR, 404: ERROR},
        tags=["comments"],
    )
    def get(self, request):
        query = {name: value for name, value in request.query_params.items() if name in TARGETS and value != ""}
        name, target = _target_from(validated(TargetSerializer(data=query)))
        paragraph = request.query_params.get("paragraph")
        comments = selectors.comments_on(name, target, request.user, paragraph)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(comments, request, view=self)
        return paginator.get_paginated_response([serialized(comment, request.user) for comment in page])

    @extend_schema(
        summary="Comment or reply",
        description=(
            "Needs the assurance level of `comment` (L1). Name exactly one target. Rate-limited per user and "
            "per address (429 with Retry-After). HTML is sanitised; a comment with no text left is refused."
        ),
        request=NewCommentSerializer,
        responses={201: CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["comments"],
    )
    def post(self, request):
        data = validated(NewCommentSerializer(data=request.data))
        name, target = _target_from(data)
        comment = services.post_comment(
            request.user,
            target,
            data["body"],
            parent=data.get("parent"),
            paragraph=data.get("paragraph", ""),
            stance=data.get("stance", ""),
            official=data["official"],
            request=request,
        )
        return Response(serialized(_found(comment.pk, request.user), request.user), status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="A comment", responses={200: CommentSerializer, 404: ERROR}, tags=["comments"])
    def get(self, request, pk):
        return Response(serialized(_found(pk, request.user), request.user))

    @extend_schema(
        summary="Edit your comment",
        description="Only the author, within PARTICIPATION_COMMENT_EDIT_MINUTES (15) of writing it.",
        request=EditCommentSerializer,
        responses={200: CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["comments"],
    )
    def patch(self, request, pk):
        data = validated(EditCommentSerializer(data=request.data))
        services.edit_comment(request.user, pk, data["body"], request=request)
        return Response(serialized(_found(pk, request.user), request.user))

    @extend_schema(
        summary="Delete your comment",
        description="The comment is shown as deleted; its replies stay.",
        request=None,
        responses={204: None, 403: ERROR, 404: ERROR},
        tags=["comments"],
    )
    def delete(self, request, pk):
        services.delete_comment(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


VOTE_VALUES = {"up": 1, "down": -1}


class VoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])


SCORE = inline_serializer(
    "CommentScore",
    {
        "score": serializers.IntegerField(),
        "my_vote": serializers.IntegerField(allow_null=True, help_text="1, -1 or null."),
    },
)


class CommentVoteView(APIView):
    permission_classes = [permissions.AllowAny]

    def _score(self, request, pk):
        comment = _found(pk, request.user)
        return Response({"score": comment.score, "my_vote": getattr(comment, "my_vote", None)})

    @extend_schema(
        summary="Vote a comment up or down",
        description="One vote per person and comment; voting again replaces it. Needs `comment` (L1).",
        request=VoteSerializer,
        responses={200: SCORE, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["comments"],
    )
    def put(self, request, pk):
        data = validated(VoteSerializer(data=request.data))
        services.vote_on_comment(request.user, pk, VOTE_VALUES[data["value"]], request=request)
        return self._score(request, pk)

    @extend_schema(
        summary="Withdraw your vote on a comment",
        request=None,
        responses={200: SCORE, 403: ERROR, 404: ERROR, 429: ERROR},
        tags=["comments"],
    )
    def delete(self, request, pk):
        services.withdraw_comment_vote(request.user, pk, request=request)
        return self._score(request, pk)


class FlagSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


FLAGGED = inline_serializer("Flagged", {"id": serializers.IntegerField(), "reason": serializers.CharField()})
FLAG_DESCRIPTION = (
    "Signed-in people only (the level of `comment`), one report per person. After "
    "PARTICIPATION_AUTO_HIDE_FLAGS (3) reports not yet reviewed, the content is hidden until moderators decide."
)


class CommentFlagView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Report a comment",
        description=FLAG_DESCRIPTION,
        request=FlagSerializer,
        responses={201: FLAGGED, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["comments"],
    )
    def post(self, request, pk):
        data = validated(FlagSerializer(data=request.data))
        flag = moderation.flag_comment(request.user, pk, data["reason"], data.get("note", ""), request=request)
        return Response({"id": flag.pk, "reason": flag.reason}, status=status.HTTP_201_CREATED)


class PetitionFlagView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Report a petition",
        description=FLAG_DESCRIPTION,
        request=FlagSerializer,
        responses={201: FLAGGED, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["petitions"],
    )
    def post(self, request, pk):
        data = validated(FlagSerializer(data=request.data))
        flag = moderation.flag_petition(request.user, pk, data["reason"], data.get("note", ""), request=request)
        return Response({"id": flag.pk, "reason": flag.reason}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("comments/", CommentListView.as_view(), name="api-comments"),
    path("comments/<int:pk>/", CommentDetailView.as_view(), name="api-comment"),
    path("comments/<int:pk>/votes/", CommentVoteView.as_view(), name="api-comment-votes"),
    path("comments/<int:pk>/flags/", CommentFlagView.as_view(), name="api-comment-flags"),
    path("petitions/<int:pk>/flags/", PetitionFlagView.as_view(), name="api-petition-flags"),
]
