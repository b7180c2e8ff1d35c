"""The comment thread on pages: `{% comment_thread %}` and the forms it posts to, without JavaScript."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from participation.models import Comment, CommentVote, Flag
from participation.services import comments as services
from participation.services import moderation
from tests import factories

from .comments_helpers import make_consultation, translate
from .conftest import make_citizen, make_petition

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PARTICIPATION_RATE_LIMITS = {"comment": (), "vote": (), "flag": ()}


@pytest.fixture
def petition(authority):
    return make_petition(make_citizen(), authority)


def petition_page(client, petition):
    return client.get(f"/en/participate/petitions/{petition.pk}/")


def render_thread(target, user, paragraph=""):
    request = RequestFactory().get("/en/some/page/")
    request.user = user
    template = Template("{% load participation_comments %}{% comment_thread target paragraph=paragraph %}")
    return template.render(Context({"request": request, "target": target, "paragraph": paragraph}))


def test_petition_page_shows_the_thread_and_the_form(client, petition):
    services.post_comment(make_citizen("L1"), petition, "<p>أؤيد هذه العريضة</p>")
    client.force_login(make_citizen("L1"))
    html = petition_page(client, petition).content.decode()
    assert '<div class="comment-body" dir="auto"><p>أؤيد هذه العريضة</p></div>' in html
    assert 'name="website"' in html and "hidden" in html
    assert 'name="stance"' not in html  # stances are for consultations only
    assert f'action="/en/participate/petitions/{petition.pk}/flag/"' in html


def test_anonymous_reader_is_told_to_sign_in(client, petition):
    html = petition_page(client, petition).content.decode()
    assert "Sign in to comment" in html and 'action="/en/participate/comments/"' not in html


def test_consultation_thread_offers_a_stance_and_shows_both_languages_one_thread(authority):
    consultation = make_consultation(authority)
    english = translate(consultation)
    services.post_comment(make_citizen("L1"), consultation, "تعليق بالعربية")
    html = render_thread(english, make_citizen("L1"))
    assert "تعليق بالعربية" in html and 'name="stance"' in html
    assert f'name="target_id" value="{consultation.pk}"' in html


def test_thread_nests_replies_and_marks_official_answers(authority):

    consultation = make_consultation(authority)
    first = services.post_comment(make_citizen("L1"), consultation, "سؤال")
    editor = factories.staff("msal.editor")
    services.post_comment(editor, consultation, "جواب الوزارة", parent=first, official=True)
    html = render_thread(consultation, make_citizen("L1"))
    assert html.count('class="comment-list comment-replies"') == 1
    assert "comment-official" in html and "Official answer from" in html


def test_hidden_comment_author_sees_reason_others_see_placeholder(petition):
    author = make_citizen("L1")
    comment = services.post_comment(author, petition, "<p>نص مخفي</p>")

    moderation.hide_comment(factories.staff("admin"), comment, "Personal data")
    own = render_thread(petition, author)
    assert "نص مخفي" in own and "Personal data" in own
    other = render_thread(petition, make_citizen("L1"))
    assert "نص مخفي" not in other and "Hidden by moderation." in other


def test_deleted_comment_shows_as_deleted_and_keeps_replies(petition):
    author = make_citizen("L1")
    comment = services.post_comment(author, petition, "سأحذف هذا")
    services.post_comment(make_citizen("L1"), petition, "الرد باق", parent=comment)
    services.delete_comment(author, comment)
    html = render_thread(petition, make_citizen("L1"))
    assert "Comment deleted." in html and "سأحذف هذا" not in html and "الرد باق" in html


def test_posting_a_comment_redirects_back_with_a_message(client, petition):
    client.force_login(make_citizen("L1"))
    back = f"/en/participate/petitions/{petition.pk}/"
    response = client.post(
        "/en/participate/comments/",
        {"target": "petition", "target_id": petition.pk, "body": "<p>مؤيد</p>", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert Comment.objects.get(petition=petition).body == "<p>مؤيد</p>"
    assert "Your comment is published." in client.get(back).content.decode()


def test_unsafe_next_falls_back_to_the_page(client, petition):
    client.force_login(make_citizen("L1"))
    response = client.post(
        "/en/participate/comments/",
        {"target": "petition", "target_id": petition.pk, "body": "x", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/en/participate/petitions/{petition.pk}/"


def test_comment_with_only_script_is_400_with_the_error_next_to_the_text(client, petition):
    client.force_login(make_citizen("L1"))
    typed = "<script>alert('x')</script>"
    response = client.post("/en/participate/comments/", {"target": "petition", "target_id": petition.pk, "body": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a comment." in html and 'aria-describedby="id_body_errors id_body_helptext"' in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # what was typed, kept (escaped)
    assert not Comment.objects.filter(petition=petition).exists()


def test_honeypot_and_depth_refusals_write_nothing(client, petition):
    user = make_citizen("L1")
    client.force_login(user)
    data = {"target": "petition", "target_id": petition.pk, "body": "نص", "website": "http://spam"}
    assert client.post("/en/participate/comments/", data).status_code == 400
    parent = None
    for _ in range(3):
        parent = services.post_comment(user, petition, "مستوى", parent=parent)
    response = client.post(
        "/en/participate/comments/",
        {"target": "petition", "target_id": petition.pk, "body": "عميق", "parent": parent.pk},
    )
    assert response.status_code == 400 and "levels deep" in response.content.decode()
    assert "عميق" in response.content.decode()
    assert Comment.objects.filter(petition=petition).count() == 3


def test_anonymous_post_is_403_with_sign_in_link(client, petition):
    response = client.post("/en/participate/comments/", {"target": "petition", "target_id": petition.pk, "body": "x"})
    assert response.status_code == 403 and "/accounts/login/" in response.content.decode()


def test_vote_flag_edit_and_delete_forms(client, petition):
    comment = services.post_comment(make_citizen("L1"), petition, "صوتوا له")
    voter = make_citizen("L1")
    client.force_login(voter)
    assert client.post(f"/en/participate/comments/{comment.pk}/vote/", {"value": "up"}).status_code == 302
    assert CommentVote.objects.get(comment=comment, user=voter).value == 1
    assert client.post(f"/en/participate/comments/{comment.pk}/vote/", {"value": "none"}).status_code == 302
    assert not CommentVote.objects.filter(comment=comment).exists()
    bad = client.post(f"/en/participate/comments/{comment.pk}/flag/", {"reason": ""})
    assert bad.status_code == 400 and "Choose why you are reporting this." in bad.content.decode()
    assert client.post(f"/en/participate/comments/{comment.pk}/flag/", {"reason": "spam"}).status_code == 302
    assert Flag.objects.filter(comment=comment, user=voter).exists()

    client.force_login(comment.author)
    assert client.get(f"/en/participate/comments/{comment.pk}/edit/").status_code == 200
    assert client.post(f"/en/participate/comments/{comment.pk}/edit/", {"body": "<p>معدل</p>"}).status_code == 302
    assert Comment.objects.get(pk=comment.pk).body == "<p>معدل</p>"
    assert client.post(f"/en/participate/comments/{comment.pk}/delete/").status_code == 302
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None


def test_reporting_a_petition_from_its_page(client, petition):
    client.force_login(make_citizen("L1"))
    response = client.post(f"/en/participate/petitions/{petition.pk}/flag/", {"reason": "off_topic"})
    assert response.status_code == 302
    assert Flag.objects.filter(petition=petition, reason="off_topic").exists()
