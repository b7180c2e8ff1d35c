"""Arabic normalisation for search: one implementation for documents and queries, in every engine.

The database engine stores text normalised here and normalises queries here; the Elasticsearch engine's
analyzers apply the same table (`CHARACTER_MAP`, `REMOVED`) as a `mapping` char filter generated from it,
and the queries it sends are normalised here too. Rules (docs/search.md):

- hamza forms of alef أ إ آ ٱ (and the wavy-hamza alefs ٲ ٳ) → ا; ة → ه; ى → ي; Persian ی → ي, ک → ك;
- tatweel, harakat, the superscript alef, Quranic marks and invisible format characters are removed;
- Arabic-Indic and Persian digits → ASCII digits (both forms are searched as ASCII);
- everything is lower-cased.

Each character maps to zero or more characters on its own, so that a position in normalised text can be
traced back to the original (`normalise_with_map`), which is how highlights are shown on the original text.
"""

import re

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

_TABLE = {ord(character): "" for character in REMOVED}
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
            positions = [index for index, character in enumerate(text) if character not in REMOVED]
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
