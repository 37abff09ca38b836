"""The hashed columns the compiled scorer and explanations look terms up in are the columns
scikit-learn's HashingVectorizer gives them. model/hashed.py computes them itself (MurmurHash3
as scikit-learn applies it, which scikit-learn does not promise): a release that hashes
otherwise fails here, not in a moderator's explanations."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from spamschutz.model.features import char_terms, prepare_comment, word_terms
from spamschutz.model.hashed import hashed_column
from tests.factories import HAM_TEXTS, SPAM_TEXTS

ODD_TERMS = ["", " ", "ß", "ǅ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u200b", "https://x.example/ä?q=1", "٣٤٥", "🙂🙂"]


def _terms() -> list[str]:
    comments = [prepare_comment(text) for text in HAM_TEXTS + SPAM_TEXTS]
    found = {term for c in comments for terms in (word_terms, char_terms) for term in terms(c)}
    return sorted(found | set(ODD_TERMS))


@pytest.mark.parametrize("n_features", [2**20, 1000, 7])
def test_each_term_gets_the_column_scikit_learns_hashing_vectorizer_gives_it(
    n_features: int,
) -> None:
    terms = _terms()
    assert len(terms) > 1000
    vectorizer = HashingVectorizer(
        analyzer=lambda term: [term], n_features=n_features, alternate_sign=False, norm=None
    )
    counts = vectorizer.transform(terms)
    assert np.all(np.diff(counts.indptr) == 1)  # one column per term
    assert [hashed_column(term, n_features) for term in terms] == counts.indices.tolist()
