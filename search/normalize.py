"""Arabic normalisation for search: one implementation for documents and queries, in every engine.

The database engine stores text normalised here and normalises queries here; the Elasticsearch engine's
analyzers apply the same table (`CHARACTER_MAP`, `REMOVED`) as a `mapping` char filter generated from it,
and the queries it sends are normalised here too. Rules (docs/search.md):

- hamza forms of alef أ إ آ ٱ (and the wavy-hamza alefs ٲ ٳ) → ا; hamza on waw ؤ → و and on yeh ئ → ي (as
  citizens type them without the hamza: الشوون, مسوول, رييس); ة → ه; ى → ي; Persian ی → ي, ک → ك;
- tatweel, harakat, the superscript alef, Quranic marks and invisible format characters are removed;
- Arabic-Indic and Persian digits → ASCII digits (both forms are searched as ASCII);
- everything is lower-cased.

Each character maps to zero or more characters on its own, so that a position in normalised text can be
traced back to the original (`normalise_with_map`), which is how highlights are shown on the original text.
"""

import re
from itertools import compress
from operator import not_

ALEF = "\u0627"
HEH = "\u0647"
YEH = "\u064a"

CHARACTER_MAP = {
    "\u0623": ALEF,  # أ
    "\u0625": ALEF,  # إ
    "\u0622": ALEF,  # آ
    "\u0671": ALEF,  # ٱ alef wasla
    "\u0672": ALEF,  # ٲ
    "\u0673": ALEF,  # ٳ
    "\u0624": "\u0648",  # ؤ → و
    "\u0626": YEH,  # ئ → ي
    "\u0629": HEH,  # ة taa marbuta
    "\u0649": YEH,  # ى alef maqsura
    "\u06cc": YEH,  # ی Persian yeh, typed on Persian keyboards
    "\u06a9": "\u0643",  # ک keheh → ك
    **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # ٠..٩
    **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # ۰..۹
}

REMOVED = frozenset(
    [
        "\u0640",  # tatweel
        *map(chr, range(0x064B, 0x0660)),  # harakat, shadda, sukun, hamza above/below, other marks
        "\u0670",  # superscript alef
        *map(chr, range(0x0610, 0x061B)),  # honorifics and Quranic marks
        *map(chr, range(0x06D6, 0x06DD)),  # Quranic annotation marks
        *map(chr, range(0x06DF, 0x06E5)),
        "\u06e7",
        "\u06e8",
        *map(chr, range(0x06EA, 0x06EE)),
        "\u061c",  # Arabic letter mark
        *map(chr, range(0x200B, 0x2010)),  # zero-width space/joiners, LRM, RLM
        "\ufeff",
    ]
)

_REMOVE = {ord(character): "" for character in REMOVED}
_TABLE = dict(_REMOVE)
_TABLE.update({ord(source): target for source, target in CHARACTER_MAP.items()})

# A word as every engine sees it: a run of letters and digits (the underscore is a separator).
WORD = re.compile(r"[^\W_]+")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
ARTICLE = ALEF + "\u0644"  # ال


def normalise(text):
    """The normalised, lower-cased form of `text`."""
    return (text or "").translate(_TABLE).lower()


def normalise_with_map(text):
    """`(normalised, positions)`, where `positions[i]` is the index in `text` of the character that the
    normalised character `i` came from, plus one last entry `len(text)`."""
    text = text or ""
    normalised = normalise(text)
    if len(text.lower()) == len(text):
        # The common case: every character is kept as one character, or removed.
        if len(normalised) == len(text):
            positions = list(range(len(text) + 1))
        else:
            # The indices of the characters kept, without a Python loop over the text (bodies are long).
            positions = list(compress(range(len(text)), map(not_, map(REMOVED.__contains__, text))))
            positions.append(len(text))
        return normalised, positions
    pieces, positions = [], []
    for index, character in enumerate(text):
        replaced = _TABLE.get(ord(character), character)
        if replaced:
            replaced = replaced.lower()
            pieces.append(replaced)
            positions.extend([index] * len(replaced))
    positions.append(len(text))
    return "".join(pieces), positions


def words(text, limit=None):
    """The distinct normalised words of `text`, in order; at most `limit` of them."""
    found = []
    for match in WORD.finditer(normalise(text)):
        word = match.group()
        if word not in found:
            found.append(word)
            if limit is not None and len(found) >= limit:
                break
    return found


def is_arabic(word):
    return bool(ARABIC_LETTER.search(word))


# Hamza in the middle of a word is written on alef, waw or yeh, and citizens choose differently (الشئون and
# الشؤون, مسئول and مسؤول, الهيأة and الهيئة): a query word that has one is also searched with the others.
HAMZA_SEATS = ("\u0623", "\u0624", "\u0626")  # أ ؤ ئ
_HAMZA_SEAT = re.compile("(?<=.)[" + "".join(HAMZA_SEATS) + "]")

# The one-letter prefixes (and, by, so, as) that attach to a word with its article, and لل (for the).
ATTACHED_ARTICLES = ("وال", "بال", "فال", "كال", "لل")

# Broken plurals — and a few other words citizens use for the same thing — of the catalogue's vocabulary, in
# normalised form: a light stemmer (SQLite's) or PostgreSQL's Arabic stemmer cannot bring تراخيص to ترخيص or
# عمال to عامل. A query word is searched in both forms (plural → singular and singular → plural).
ARABIC_LEMMAS = {
    "تراخيص": "ترخيص",
    "رخصه": "ترخيص",
    "رخص": "ترخيص",
    "تصاريح": "تصريح",
    "تقارير": "تقرير",
    "مواليد": "مولود",
    "عقود": "عقد",
    "قضايا": "قضيه",
    "عمال": "عامل",
    "رواتب": "راتب",
    "مشاكل": "مشكله",
    "اصحاب": "صاحب",
    "شكاوي": "شكوي",
    "اسر": "اسره",
    "وثايق": "وثيقه",
    "اطفال": "طفل",
    "ابناء": "ابن",
    "محاكم": "محكمه",
    "مدارس": "مدرسه",
    "طلاب": "طالب",
    "رسوم": "رسم",
    "ضرايب": "ضريبه",
    "اعمال": "عمل",
    "اذونات": "اذن",
    "مساكن": "مسكن",
    "منازل": "منزل",
    "قروض": "قرض",
    "وظايف": "وظيفه",
    "اوراق": "ورقه",
    "نماذج": "نموذج",
    "مراكز": "مركز",
    "مكاتب": "مكتب",
    "فروع": "فرع",
    "شهود": "شاهد",
    "ورثه": "وارث",
    "وكالات": "توكيل",
}
_PLURALS = {}
for _plural, _singular in ARABIC_LEMMAS.items():
    _PLURALS.setdefault(_singular, []).append(_plural)

# US spellings (and a few other spellings) → the UK spellings the catalogue is written in. The query word is
# searched in both.
ENGLISH_SPELLINGS = {
    "license": "licence",
    "licenses": "licences",
    "labor": "labour",
    "center": "centre",
    "centers": "centres",
    "program": "programme",
    "programs": "programmes",
    "organization": "organisation",
    "organizations": "organisations",
    "kuwaitization": "kuwaitisation",
    "authorization": "authorisation",
    "favor": "favour",
    "color": "colour",
    "neighbor": "neighbour",
    "enroll": "enrol",
    "catalog": "catalogue",
}


def hamza_variants(raw_word):
    """The normalised forms of one word as typed, with its hamza on each of its other seats."""
    forms = [normalise(raw_word)]
    if _HAMZA_SEAT.search(raw_word):
        for seat in HAMZA_SEATS:
            form = normalise(_HAMZA_SEAT.sub(seat, raw_word))
            if form not in forms:
                forms.append(form)
    return forms


def query_words(text, limit=None):
    """The distinct words of a query, each as a tuple of forms any one of which must match: its normalised form,
    its hamza on the other seats, its article and attached prefixes taken off or put on, its lemma or plural
    (ARABIC_LEMMAS), its UK spelling (ENGLISH_SPELLINGS). The first form is the normalised word itself."""
    found, seen = [], set()
    # Diacritics and the like are taken off first: they are not word characters, and would split a word.
    for match in WORD.finditer((text or "").translate(_REMOVE)):
        raw = match.group()
        word = normalise(raw)
        if not word or word in seen:
            continue
        seen.add(word)
        forms = []
        for form in hamza_variants(raw):
            for variant in word_forms(form):
                if variant not in forms:
                    forms.append(variant)
        found.append(tuple(forms))
        if limit is not None and len(found) >= limit:
            break
    return found


def word_forms(word):
    """The forms of one normalised word that must find it (see query_words)."""
    if not is_arabic(word):
        spelling = ENGLISH_SPELLINGS.get(word)
        return (word, spelling) if spelling and spelling != word else (word,)
    bare = word
    for prefix in ATTACHED_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            bare = word[len(prefix) :]
            break
    else:
        if word.startswith(ARTICLE) and len(word) > len(ARTICLE) + 2:
            bare = word[len(ARTICLE) :]
    forms = [*article_variants(word), *article_variants(bare)]
    for related in (ARABIC_LEMMAS.get(bare), *_PLURALS.get(bare, ())):
        if related:
            forms += article_variants(related)
    return tuple(dict.fromkeys(forms))


def article_variants(word):
    """The forms of one normalised query word that an Arabic stemmer must see to find it in text.

    Stemmers take a leading ال for the definite article, so a word whose own letters begin with ال
    (الكترونيه, from إلكترونية) stems differently with and without the article (الالكترونيه), and once
    ة is written ه PostgreSQL's stemmer also treats definite and indefinite nouns differently (معامله →
    معامل, المعامله → معامله). Searching the word, the word with ال and the word without ال covers both.
    Latin and digit words have no variants."""
    if not is_arabic(word):
        return (word,)
    variants = [word, ARTICLE + word]
    if word.startswith(ARTICLE) and len(word) > len(ARTICLE) + 1:
        variants.append(word[len(ARTICLE) :])
    return tuple(variants)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text, limit):
    """Plain text as it is indexed: control characters become spaces; at most `limit` characters."""
    return _CONTROL.sub(" ", text or "")[:limit].strip()


def title_key(title):
    """The title as the engines match it: its normalised words, one space apart."""
    return " ".join(WORD.findall(normalise(title)))


# Every character that normalises to a given one: the character itself and those CHARACTER_MAP maps to it.
_SOURCES = {}
for _source, _target in CHARACTER_MAP.items():
    _SOURCES.setdefault(_target, [_target]).append(_source)
_SKIPPED = "[" + "".join(re.escape(character) for character in sorted(REMOVED)) + "]*"


def containing_pattern(text):
    """A regular expression (Python's and PostgreSQL's) that finds, case-insensitively, any text whose normalised
    form contains the normalised `text`: `الزام` finds `إلزام`, `الخدمه` finds `الخدمة`, and harakat or tatweel
    between the letters do not matter. For a database filter on text that is not indexed (`__iregex`)."""
    pieces = []
    for character in " ".join(normalise(text).split()):
        if character == " ":
            pieces.append(r"\s+")
        else:
            sources = _SOURCES.get(character, [character])
            pieces.append(
                "[" + "".join(re.escape(source) for source in sources) + "]"
                if len(sources) > 1
                else re.escape(character)
            )
    return _SKIPPED.join(pieces)
