"""Three outcomes (answered / unsure / refused): the model's two thresholds, the guard as a step down, the JSON,
and the leave-one-corpus-out replay of the same rule, on rows written by hand."""

from qa.answering.answerability import FEATURES, AnswerabilityModel
from qa.evaluation.shift import choose_operating_point, leave_one_corpus_out, outcome_metrics, outcome_of


def _model(threshold=0.6, refuse=0.2) -> AnswerabilityModel:
    # p = sigmoid(coverage scaled): coverage 0 -> 0.5; the weight makes coverage +-1 reach ~0.73 / ~0.27
    coef = tuple(1.0 if f == "coverage" else 0.0 for f in FEATURES)
    return AnswerabilityModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), coef, 0.0, threshold, {}, refuse)


def _row(coverage, answerable=True, **flags):
    evidence = dict.fromkeys(FEATURES, 0.0) | {"coverage": coverage}
    return {"evidence": evidence, "answerable": answerable, "would_be_correct": answerable, "slice": "vi", **flags}


def test_two_thresholds_give_three_outcomes():
    model = _model()
    assert model.outcome(0.61) == "answered" and model.outcome(0.3) == "unsure" and model.outcome(0.1) == "refused"
    old = AnswerabilityModel(FEATURES, (), (), (), 0.0, 0.6)  # a model file without a refuse threshold: two outcomes
    assert old.outcome(0.3) == "refused"


def test_missing_names_step_down_and_unknown_names_refuse():
    model = _model()
    assert outcome_of(_row(2.0), model) == "answered"  # p ~ 0.88
    assert outcome_of(_row(2.0, missing=True), model) == "unsure"  # named elsewhere in the corpus, not in the passages
    assert outcome_of(_row(0.0, missing=True), model) == "refused"  # p 0.5: unsure, one step down
    assert outcome_of(_row(2.0, missing=True, unknown=True), model) == "refused"  # written nowhere in the corpus
    assert outcome_of(_row(2.0, conflict=True), model) == "refused"  # the quote's person holds another post
    assert outcome_of(_row(-5.0, recency=True), model) == "answered"  # "the latest article" is always answerable


def test_outcome_metrics_by_hand():
    rows = [_row(0), _row(0), _row(0, answerable=False), _row(0, answerable=False)]
    m = outcome_metrics(rows, ["answered", "refused", "refused", "unsure"])
    assert m["answered_with_fact"] == 0.5 and m["answerable_refused"] == 0.5
    assert m["unanswerable_refused"] == 0.5 and m["unanswerable_unsure"] == 0.5


def test_leave_one_corpus_out_fits_without_the_corpus_it_measures():
    # corpus "a": coverage separates answerable (+1) from not (-1); corpus "b" the other way round. Fitted on "a"
    # alone, "b" is read backwards: its answerable questions are refused. A pooled fit would hide that.
    def corpus(sign, n=30):
        return [
            _row(sign * (1.0 if i % 2 else -1.0) + 0.01 * i, answerable=bool(i % 2), split="tune", id=f"{sign}{i}")
            for i in range(n)
        ]

    corpora = {"a": corpus(1.0), "b": corpus(-1.0), "c": corpus(1.0)}
    table = leave_one_corpus_out(corpora, refuse_below=0.5)
    assert table["a"]["answerable_refused"] == 0.0 and table["b"]["answerable_refused"] == 1.0
    cap, refuse_below, chosen = choose_operating_point(corpora, 0.05, caps=(None, 2.0), thresholds=(0.0, 0.3, 0.5))
    # the point that refuses no more than 5% of any corpus' answerable questions: "b"'s are "not sure", not refused
    assert all(m["answerable_refused"] <= 0.05 for m in chosen.values()) and chosen["b"]["answerable_unsure"] == 1.0
    # nothing separates unanswerable questions on every fold here, so no threshold above 0 is worth its risk
    assert (cap, refuse_below) == (None, 0.0)


def test_a_cap_keeps_one_signal_from_deciding_alone():
    coef = tuple(5.0 if f == "counted_missing" else 0.0 for f in FEATURES)  # one flipped word: 5 log-odds
    row = dict.fromkeys(FEATURES, 0.0) | {"counted_missing": -1.0}
    uncapped = AnswerabilityModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), coef, 0.0, 0.5)
    capped = AnswerabilityModel(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), coef, 0.0, 0.5, cap=2.0)
    assert uncapped.probability(row) < 0.01 and 0.1 < capped.probability(row) < 0.2  # sigmoid(-2) = 0.119


def test_not_sure_is_shown_distinctly_and_in_the_json():
    from qa.answering.answer import Answer, answer_to_dict
    from ui.render import answer_markdown

    unsure = Answer(
        "q",
        "q",
        "Toàn tỉnh kết nạp 412 đảng viên. [1]",
        False,
        status="unsure",
        warnings=("Chưa chắc chắn (độ tin cậy 40%) ...",),
    )
    data = answer_to_dict(unsure)
    assert data["status"] == "unsure" and data["abstained"] is False  # shown, not refused
    assert answer_to_dict(Answer("q", "q", "...", True))["status"] == "refused"
    vi, en = answer_markdown(data, "vi"), answer_markdown(data, "en")
    assert 'class="unsure-banner"' in vi and "Chưa chắc chắn" in vi and "Not sure" in en
    assert "unsure-banner" not in answer_markdown(answer_to_dict(Answer("q", "q", "x [1]", False, status="answered")), "vi")


def test_a_deputy_does_not_answer_who_holds_the_post():
    from qa.answering.answerability import post_conflict

    deputy = "Ông Lò Minh Hùng, Phó Chủ tịch UBND tỉnh Sơn La, đã ký văn bản."
    assert post_conflict("chu tich ubnd tinh son la la ai", deputy)
    assert post_conflict("Chủ tịch UBND tỉnh Sơn La là ai?", deputy)
    assert not post_conflict("Phó Chủ tịch UBND tỉnh Sơn La là ai?", deputy)
    assert post_conflict("Phó Chủ tịch Hiệp hội là ai?", "Ông Lâm Quốc Thắng, Chủ tịch Hiệp hội, cho biết.")
    assert not post_conflict("Sơn La có bao nhiêu vụ cháy?", deputy)  # no post asked for


def test_the_guard_says_why_and_the_answer_carries_it(real_searcher):
    from qa.answering.answer import REASONS, answer_question, answer_to_dict, guarded_outcome
    from qa.answering.answerability import load_model

    assert guarded_outcome("answered", False, False, False) == ("answered", "")
    assert guarded_outcome("unsure", False, False, True) == ("refused", "missing_name")
    assert guarded_outcome("refused", False, False, False) == ("refused", "low_confidence")
    assert guarded_outcome("answered", True, True, True) == ("refused", "unknown_name")
    assert guarded_outcome("answered", False, True, False) == ("refused", "post_conflict")
    assert {
        guarded_outcome(s, u, c, m)[1] for s in ("answered", "unsure", "refused") for u in (0, 1) for c in (0, 1) for m in (0, 1)
    } <= {"", *REASONS}  # every reason it gives is one the JSON documents
    # Quảng Bình is written nowhere in the five articles: refused whatever the model says, and the JSON says why
    answer = answer_question("Tỉnh Quảng Bình có bao nhiêu đảng viên?", real_searcher, model=load_model())
    shape = answer_to_dict(answer)
    assert (answer.outcome, answer.reason) == ("refused", "unknown_name")
    assert shape["status"] == "refused" and shape["reason"] == "unknown_name" and shape["abstained"]
    assert answer.missing == ("Quảng Bình",)


def test_the_chosen_point_keeps_each_paraphrase_set_under_its_floor():
    """Three corpora where coverage separates the answers, and a paraphrase set of "a" whose answerable questions lost
    coverage (reworded). Alone, the chooser takes the threshold that refuses them all; with the set, one below them."""
    from qa.evaluation.shift import paraphrases_out_of_corpus

    def corpus(name, n=40):
        return [
            _row((1.0 if i % 2 else -1.0) * (2 + 2 * i / n), answerable=bool(i % 2), split="tune", id=f"{name}{i}")
            for i in range(n)
        ]

    corpora = {"a": corpus("a"), "b": corpus("b"), "c": corpus("c")}
    reworded = {"para_a@a": [_row(-2.2, id=f"p{i}") for i in range(20)]}  # p 0.42-0.44 under the shipped and fold models
    grid = {"caps": (None,), "thresholds": (0.0, 0.41, 0.47)}
    free = choose_operating_point(corpora, 0.05, **grid)
    held = choose_operating_point(corpora, 0.05, **grid, paraphrases=reworded)

    def refused(point):
        return paraphrases_out_of_corpus(corpora, reworded, point[1], cap=point[0])["para_a"]["answerable_refused"]

    assert free[1] == 0.47 and refused(free) == 1.0
    assert held[1] == 0.41 and refused(held) == 0.0
