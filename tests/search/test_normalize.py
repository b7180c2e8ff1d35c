import pytest

from search.normalize import article_variants, normalise, normalise_with_map, title_key, words


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("أحمد إبراهيم آمنة ٱلله", "احمد ابراهيم امنه الله"),
        ("معاملة", "معامله"),
        ("مستشفى", "مستشفي"),
        ("الإلكترونية", "الالكترونيه"),
        ("الإلكترونـــيـة", "الالكترونيه"),  # tatweel
        ("مُعَامَلَةٌ", "معامله"),  # harakat
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic digits
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian digits
        ("PAM-WP-٠٠١", "pam-wp-001"),
        ("Civil ID", "civil id"),
        ("ی ک", "ي ك"),  # Persian yeh and keheh
        ("\u200fالبطاقة\u200c", "البطاقه"),  # bidi mark and zero-width non-joiner
    ],
)
def test_normalisation_follows_the_rules(written, normalised):
    assert normalise(written) == normalised


def test_the_issue_examples_meet_after_normalisation():
    assert normalise("الكترونيه") in normalise("الإلكترونية")
    assert normalise("معامله") == normalise("معاملة")


def test_normalisation_is_idempotent():
    text = "خِدْمَةٌ إلكترونيّة للمعاملات ٢٠٢٦ — Services"
    assert normalise(normalise(text)) == normalise(text)


def test_every_normalised_character_points_back_to_the_one_it_came_from():
    text = "الإلـكترونيّة ١"
    normalised, positions = normalise_with_map(text)
    assert normalised == normalise(text) == "الالكترونيه 1"
    assert len(positions) == len(normalised) + 1 and positions[-1] == len(text)
    assert text[positions[1]] == "ل" and text[positions[2]] == "إ"
    assert text[positions[normalised.index("1")]] == "١"


def test_words_are_normalised_distinct_and_limited():
    assert words("  «تجديد» البطاقة، البطاقة!! (renew) ") == ["تجديد", "البطاقه", "renew"]
    assert words("a b c d", limit=2) == ["a", "b"]
    assert words("\"'; -- ()* ^ !!") == []
    assert title_key("تسجيل ملف صاحب العمل (منشأة)") == "تسجيل ملف صاحب العمل منشاه"


def test_arabic_words_are_searched_with_and_without_the_article():
    assert article_variants("الكترونيه") == ("الكترونيه", "الالكترونيه", "كترونيه")
    assert article_variants("معامله") == ("معامله", "المعامله")
    assert article_variants("renew") == ("renew",)
    assert article_variants("001") == ("001",)


def test_a_long_query_is_cut_between_words():
    from search.query import MAX_QUERY_LENGTH, SearchQuery

    query = SearchQuery(text="البطاقة المدنية " * 100)
    assert len(query.text) <= MAX_QUERY_LENGTH
    assert set(query.words) == {"البطاقه", "المدنيه"}
    assert SearchQuery(text="x" * 10_000).text == "x" * MAX_QUERY_LENGTH


def test_hamza_on_waw_and_yeh_is_written_as_citizens_type_it_without():
    from search.normalize import normalise

    assert normalise("الشؤون") == normalise("الشوون") == "الشوون"
    assert normalise("رئيس") == "رييس"


def test_a_query_word_is_searched_in_all_its_forms():
    from search.normalize import query_words

    (shuun,) = query_words("الشئون")
    assert "الشوون" in shuun  # the hamza on the other seat, as the catalogue writes it
    (hayaa,) = query_words("الهيأة")
    assert "الهييه" in hayaa
    (card,) = query_words("للبطاقة")
    assert "بطاقه" in card and "البطاقه" in card
    (licences,) = query_words("تراخيص")
    assert "ترخيص" in licences
    (permit,) = query_words("ترخيص")
    assert "تراخيص" in permit  # and a singular finds the plural
    (workers,) = query_words("العمال")
    assert "عامل" in workers
    assert query_words("license") == [("license", "licence")]
    (voweled,) = query_words("رُخْصَة")  # diacritics do not split the word
    assert voweled[0] == "رخصه"
    assert query_words("الكترونيه")[0][:2] == ("الكترونيه", "الالكترونيه")  # the article kept for the stemmer
