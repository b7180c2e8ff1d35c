from search.highlight import START, STOP, fragment, highlight_original, read_marks
from search.normalize import normalise


def mark(text, word):
    """`text` normalised, with `word` (normalised) marked wherever it occurs, as an engine marks it."""
    return normalise(text).replace(word, f"{START}{word}{STOP}")


def test_marks_found_in_normalised_text_are_shown_on_the_text_as_written():
    written = "أنشئ حسابًا في بوابة الحكومة الإلكترونيّة لحفظ طلباتك"
    html = highlight_original(written, mark(written, "الالكترونيه"))
    assert html == "أنشئ حسابًا في بوابة الحكومة <mark>الإلكترونيّة</mark> لحفظ طلباتك"


def test_the_text_is_escaped_and_only_the_marks_are_html():
    written = 'Fees <script>alert("x")</script> & permits'
    html = highlight_original(written, mark(written, "permits"))
    assert html == "Fees &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>permits</mark>"


def test_a_long_text_gives_one_fragment_around_the_marks():
    written = "مقدمة " * 100 + "تجديد إذن العمل " + "خاتمة " * 100
    html = highlight_original(written, mark(written, "تجديد"))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>تجديد</mark> إذن العمل" in html
    assert len(html) < 300


def test_nothing_to_show_when_nothing_matched_or_the_text_changed():
    assert highlight_original("نص", normalise("نص")) == ""
    assert highlight_original("نص آخر", f"{START}نص{STOP}") == ""
    assert fragment("abc", []) == ""


def test_reading_marks():
    assert read_marks(f"ab{START}cd{STOP}e{START}f{STOP}") == ("abcdef", [(2, 4), (5, 6)])
