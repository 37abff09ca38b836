"""Custom transformers follow scikit-learn's estimator contract."""

from __future__ import annotations

from sklearn.base import clone

from spamschutz.model.features import CommentPreparer, MetaFeatures, prepare_comment


def test_transformers_clone_and_keep_parameters_only_in_init() -> None:
    for transformer in (CommentPreparer(), MetaFeatures()):
        cloned = clone(transformer)
        assert cloned.get_params() == transformer.get_params()
        assert not [name for name in vars(cloned) if name.endswith("_")]


def test_meta_features_fit_returns_self_and_learns_means() -> None:
    prepared = [prepare_comment(text) for text in ("Hallo Welt", "BUY NOW http://x.example.com")]
    meta = MetaFeatures()
    assert meta.fit(prepared) is meta
    assert meta.transform(prepared).shape == (2, len(meta.get_feature_names_out()))
