"""Turn names, titles and descriptions into search tokens (index time) and
keywords into the same tokens (query time).

Chinese is written without spaces, so words cannot be split out; instead every
character (unigram) and every pair of adjacent characters (bigram) inside a run
of letters is a token, and every three adjacent ASCII characters (trigram): with
26 letters, a pinyin bigram (``an``, ``ng``) is in a large share of the documents,
a trigram (``yan``) in far fewer. A keyword's tokens must all be present, then the
exact substring is rechecked. Pinyin (full and initials) is computed here, once per
write, so that ``weiqi`` and ``wq`` find 围棋.
"""

import re
import unicodedata

# Letters and digits of any script, but not "_" (a LIKE wildcard).
_RUN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_KEYWORD_TERMS = 5


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def runs(text: str) -> list[str]:
    return _RUN.findall(normalize(text))


def run_grams(run: str) -> set[str]:
    grams = set(run)
    grams.update(run[i:i + 2] for i in range(len(run) - 1))
    grams.update(ascii_trigrams(run))
    return grams


def ascii_trigrams(run: str) -> set[str]:
    """The run's windows of three characters that are all ASCII (pinyin, Latin names,
    digits): indexed beside the bigrams, asked for by ``term_grams``."""
    return {window for i in range(len(run) - 2) if (window := run[i:i + 3]).isascii()}


def pinyin_forms(text: str) -> list[str]:
    """Full pinyin and initials of each run that contains Chinese characters."""
    # Imported here, not at the top: pypinyin's dictionaries are ~190,000 objects that the
    # garbage collector walks on every full collection (~0.1 s each on the bench machine),
    # and a process that only searches never needs them: queries use n-grams, not pinyin.
    from pypinyin import Style, lazy_pinyin

    forms = []
    for run in runs(text):
        if not _CJK.search(run):
            continue
        syllables = lazy_pinyin(run, errors="default")
        initials = lazy_pinyin(run, style=Style.FIRST_LETTER, errors="default")
        forms.append("".join(syllables).lower())
        forms.append("".join(initials).lower())
    return forms


def county_token(county_id: int) -> str:
    """The token, among an organization document's n-grams, of the organization's county:
    the county filter of school search then narrows the candidates in the n-gram index
    itself instead of reading each candidate's organization. A ':' is in no n-gram (they
    are cut from runs of word characters), so no keyword can match it."""
    return f"county:{county_id}"


def document_fields(*, names, titles=(), descriptions=(), tokens=()) -> dict[str, str]:
    """The stored fields of a search document for these texts; ``tokens`` (such as
    ``county_token``) are stored with the n-grams."""
    name_text = "\n".join(normalize(t) for t in names if t)
    title_text = "\n".join(normalize(t) for t in titles if t)
    description_text = "\n".join(normalize(t) for t in descriptions if t)
    pinyin = [*pinyin_forms(" ".join(names)), *pinyin_forms(" ".join(titles))]
    pinyin_text = "\n".join(pinyin)
    grams: set[str] = set(tokens)
    for text in (name_text, title_text, description_text, pinyin_text):
        for run in runs(text):
            grams |= run_grams(run)
    return {
        "name_text": name_text,
        "title_text": title_text,
        "description_text": description_text,
        "pinyin_text": pinyin_text,
        "grams": " ".join(sorted(grams)),
    }


def keyword_terms(keyword: str) -> list[str]:
    """The runs of a keyword; each must occur as a substring."""
    return runs(keyword)[:MAX_KEYWORD_TERMS]


def term_grams(term: str) -> list[str]:
    """Tokens a document must hold for ``term`` to possibly be a substring of it.

    Three ASCII characters or more (pinyin such as ``yangli``): its trigrams. Two
    characters or more otherwise: its bigrams (selective for Chinese: thousands of
    characters; a pinyin bigram such as ``an`` is in a large share of the documents, and
    PostgreSQL reads the whole list of documents of each token asked for: ``yangli``'s
    five bigrams took 20 ms of the index at 1M people). One character: the character
    itself, which is indexed as a unigram for exactly this path.
    """
    if len(term) == 1:
        return [term]
    if len(term) >= 3 and term.isascii():
        return sorted(ascii_trigrams(term))
    return sorted({term[i:i + 2] for i in range(len(term) - 1)})


# --- availability: the prefilter of school search ---------------------------------------
# A search document also carries, as tokens, where its subject holds an approval in status
# "approved" (``j<jurisdiction id>``) and for which categories there (``j<id>c<category id>``).
# Search asks the n-gram index for documents holding any token of the school's lineage, so it
# visits only providers that may be available. It is a prefilter, not the rule: dates, status,
# jurisdiction and category are still checked on the approvals in the same query, so a stale
# token can only hide a provider, never show one that is not available.


def availability_tokens(jurisdiction_ids, category_ids=None) -> list[str]:
    """The tokens any one of which a document needs to be a candidate for a school whose
    lineage is ``jurisdiction_ids`` (and, if given, one of ``category_ids``)."""
    if category_ids is None:
        return [f"j{j}" for j in jurisdiction_ids]
    return [f"j{j}c{c}" for j in jurisdiction_ids for c in category_ids]


def availability_text(approved) -> str:
    """The stored tokens for ``approved``: (jurisdiction id, category id or None) pairs of
    the subject's approvals in status "approved", one pair per approval and category."""
    tokens: set[str] = set()
    for jurisdiction_id, category_id in approved:
        tokens.add(f"j{jurisdiction_id}")
        if category_id is not None:
            tokens.add(f"j{jurisdiction_id}c{category_id}")
    return " ".join(sorted(tokens))
