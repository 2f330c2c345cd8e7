"""The answerability model file, its fit, and the answer-level metrics, on hand-made numbers."""

import json
import math

import numpy as np
import pytest

from qa.answering.answerability import FEATURES, AnswerabilityModel, fit_model, load_model, save_model
from qa.errors import DatasetError
from qa.evaluation.answers import answer_metrics, auroc, quote_holds, selective_curve


def _model(**changes) -> AnswerabilityModel:
    base = dict(
        features=("dense_z", "entity_support"),
        mean=(2.0, 0.5),
        scale=(1.0, 0.5),
        coef=(1.0, 2.0),
        intercept=-0.5,
        threshold=0.4,
        fitted={"questions": 10},
    )
    return AnswerabilityModel(**{**base, **changes})


def test_probability_by_hand():
    # z = -0.5 + 1.0 * (3 - 2) / 1 + 2.0 * (1 - 0.5) / 0.5 = 2.5
    assert _model().probability({"dense_z": 3.0, "entity_support": 1.0}) == pytest.approx(1 / (1 + math.exp(-2.5)))


def test_model_file_round_trips(tmp_path):
    path = tmp_path / "m.json"
    save_model(_model(), path)
    assert load_model(path) == _model()
    assert json.loads(path.read_text())["format"] == 1 and not list(tmp_path.glob("*.tmp"))


def test_shipped_model_loads_and_uses_known_features():
    model = load_model()
    assert set(model.features) == set(FEATURES) and 0.0 < model.threshold < 1.0
    assert model.fitted["split"] == ["tune"]  # fitted on the tuning split only


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "cannot be read"),
        (json.dumps({"format": 99}), "not a model file of this version"),
        (
            json.dumps(
                {"format": 1, "features": ["nope"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0, "threshold": 0.5}
            ),
            "nope",
        ),
        (
            json.dumps(
                {
                    "format": 1,
                    "features": ["dense_z"],
                    "mean": [0, 1],
                    "scale": [1],
                    "coef": [1],
                    "intercept": 0,
                    "threshold": 0.5,
                }
            ),
            "not a model",
        ),
    ],
)
def test_bad_model_files_say_how_to_fix(tmp_path, content, message):
    path = tmp_path / "m.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DatasetError, match=message) as err:
        load_model(path)
    assert "qa eval --calibrate" in str(err.value)


def test_fit_separates_and_keeps_false_abstention_low():
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for i in range(200):
        answerable = i % 2 == 0
        row = {f: float(rng.normal()) for f in FEATURES}
        row["entity_support"] = float(answerable) if rng.random() < 0.9 else float(not answerable)
        row["dense_z"] = rng.normal(3.0 if answerable else 1.5, 0.7)
        rows.append(row)
        labels.append(answerable)
    model = fit_model(rows, labels, max_false_abstention=0.05, dataset="synthetic")
    assert model.fitted["cv_auroc"] > 0.9 and model.fitted["cv_false_abstention"] <= 0.05
    weights = dict(zip(model.features, model.coef))
    assert weights["entity_support"] > 0 and weights["dense_z"] > 0  # both point towards "answerable"
    answered = [model.probability(r) >= model.threshold for r, y in zip(rows, labels) if y]
    assert sum(answered) / len(answered) >= 0.9


def test_grouped_folds_do_not_fit_a_question_on_its_own_variants():
    """Variants of one question share their label and nearly their features: split across folds, each is
    predicted from its siblings and the out-of-fold AUROC flatters the model; grouped folds do not."""
    rng = np.random.default_rng(1)
    rows, labels, groups = [], [], []
    for g in range(60):
        base = {f: float(rng.normal()) for f in FEATURES}
        answerable = bool(rng.random() < 0.5)  # unrelated to the features: nothing real to learn
        for _ in range(4):
            rows.append({f: x + 0.01 * float(rng.normal()) for f, x in base.items()})
            labels.append(answerable)
            groups.append(f"g{g}")
    leaky = fit_model(rows, labels)
    grouped = fit_model(rows, labels, groups=groups)
    assert grouped.fitted["cv_folds"] == "by question group" and leaky.fitted["cv_folds"] == "by question"
    assert leaky.fitted["cv_auroc"] > 0.7 and grouped.fitted["cv_auroc"] < 0.6  # 0.77 vs 0.46


def test_fit_refuses_one_class():
    with pytest.raises(DatasetError, match="at least 5"):
        fit_model([{f: 0.0 for f in FEATURES}] * 6, [True] * 6)


def test_quote_holds_exact_and_folded():
    assert quote_holds(["Đảng bộ có 55.369  đảng viên."], ["55.369 đảng viên"])
    assert quote_holds(["Thành phố Cần Thơ"], ["can tho"])
    assert not quote_holds(["Thành phố Cần Thơ"], ["Hải Phòng"]) and not quote_holds([], ["x"])


def test_auroc_by_hand():
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 0.9>0.5, 0.9>0.1, 0.4>0.1 -> 3 of 4
    assert auroc([0.9, 0.4, 0.5, 0.1], [True, True, False, False]) == 0.75
    assert auroc([0.5, 0.5], [True, False]) == 0.5 and auroc([0.5], [True]) is None


def _row(answerable, abstained, correct, confidence, would=None):
    return {
        "answerable": answerable,
        "abstained": abstained,
        "correct": correct,
        "confidence": confidence,
        "would_be_correct": answerable and (correct if would is None else would),
    }


def test_answer_metrics_and_curve_by_hand():
    rows = [
        _row(True, False, True, 0.9),  # answered right
        _row(True, False, False, 0.8),  # answered, quote lacks the answer
        _row(True, True, False, 0.3, would=True),  # wrongly abstained (its answer would have been right)
        _row(False, True, True, 0.2),  # rightly abstained
        _row(False, False, False, 0.7),  # answered an unanswerable question
    ]
    m = answer_metrics(rows)
    assert m["answer_accuracy"] == pytest.approx(1 / 3) and m["false_abstention"] == pytest.approx(1 / 3)
    assert m["abstain_unanswerable"] == 0.5 and m["abstention_precision"] == 0.5
    # answerable 0.9, 0.8, 0.3 vs unanswerable 0.2, 0.7: 5 of 6 pairs
    assert m["auroc"] == pytest.approx(5 / 6)
    curve = selective_curve(rows, points=5)
    # by confidence: 0.9 right, 0.8 wrong, 0.7 wrong (unanswerable), 0.3 right if answered, 0.2 wrong
    assert curve == [(0.2, 1.0), (0.4, 0.5), (0.6, 1 / 3), (0.8, 0.5), (1.0, 0.4)]
