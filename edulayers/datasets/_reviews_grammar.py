"""The grammar that wrote ``data/reviews.npz`` (maintainer code: ``_build.py`` runs it once).

A review is one to four opinion sentences and up to two neutral ones in a random order, then,
four times in ten, a verdict. Every part carries a score and the review's label is whether the
scores add up to more than zero (a review whose scores add up to exactly zero is not used):

==============================================  ==================================================
part                                            score
==============================================  ==================================================
``the plot was (very) dull``                    the adjective's: -2, -1, +1 or +2 (``ADJECTIVES``)
``the plot was not dull``                       the opposite sign, strength 1: ``not dull`` = +1
``i loved the plot``                            the verb's (``VERBS``)
``i did not love the plot``                     the opposite sign, strength 1
``A but B``                                     B's alone: what follows *but* decides
``i saw it at home``, ``it is set in rome``     0 (``NEUTRAL``)
``seven out of ten``                            ``RATINGS``: 1 to 3 = -2, 4 = -1, 6 = +1, 7 to 10 = +2
``i would recommend it``, ``a waste of time``   +2 or -2 (``VERDICTS``)
==============================================  ==================================================

So the label is a function of the words *in their order*: a bag of words cannot tell
``not good`` from ``good``, which side of a *but* a word is on, or ``two out of ten`` from
``the director made two films``, while a recurrent network can learn all three.

Randomness: one ``np.random.RandomState(seed)``, whose streams NumPy keeps frozen across
versions, drawn from in a fixed order: the same seed writes the same reviews everywhere.
"""
import numpy as np

#: (noun, plural?): the things a review has an opinion about.
ASPECTS = [("acting", False), ("story", False), ("plot", False), ("script", False),
           ("dialogue", False), ("ending", False), ("music", False), ("soundtrack", False),
           ("camera work", False), ("cast", False), ("pacing", False), ("direction", False),
           ("editing", False), ("humour", False), ("lead actor", False), ("villain", False),
           ("effects", True), ("characters", True), ("sets", True), ("costumes", True)]
#: score -> adjectives with that score.
ADJECTIVES = {
    +2: ["brilliant", "superb", "wonderful", "excellent", "outstanding", "stunning", "fantastic",
         "beautiful", "gripping", "perfect"],
    +1: ["good", "nice", "decent", "solid", "pleasant", "charming", "enjoyable", "clever",
         "funny", "moving"],
    -1: ["bad", "dull", "weak", "flat", "slow", "bland", "messy", "silly", "clumsy",
         "forgettable"],
    -2: ["awful", "terrible", "dreadful", "horrible", "painful", "boring", "pointless",
         "unbearable", "lifeless", "ridiculous"],
}
#: score -> (past tense, base form) of verbs with that score.
VERBS = {+2: [("loved", "love"), ("adored", "adore")],
         +1: [("liked", "like"), ("enjoyed", "enjoy"), ("admired", "admire")],
         -1: [("disliked", "dislike"), ("resented", "resent")],
         -2: [("hated", "hate"), ("loathed", "loathe"), ("detested", "detest")]}
#: Words that strengthen an adjective without changing its score.
INTENSIFIERS = ["very", "really", "truly", "quite", "so", "rather", "pretty", "incredibly"]
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
#: "N out of ten" -> score (no five: it would score 0).
RATINGS = {1: -2, 2: -2, 3: -2, 4: -1, 6: +1, 7: +2, 8: +2, 9: +2, 10: +2}
VERDICTS = {+2: ["i would recommend it", "a must see", "see it if you can"],
            -2: ["i would not recommend it", "a waste of time", "avoid it if you can"]}
#: (beginning, endings) of the sentences that carry no opinion; the number words in the last
#: one are the ones a rating uses too.
NEUTRAL = [
    ("i saw it", ["last night", "on sunday", "at the cinema", "on a plane", "at home",
                  "with friends", "with my family", "on television", "last week", "twice"]),
    ("it is set in", ["paris", "london", "a small town", "new york", "space", "the desert",
                      "a school", "rome", "tokyo", "the future"]),
    ("the film is about", ["a family", "a detective", "two brothers", "a war", "a robbery",
                           "a teacher", "a road trip", "a wedding", "an old house", "a band"]),
    ("the director made", [f"{number} films before this one" for number in NUMBERS[1:6]]),
]
NEGATION_RATE = 0.3
INTENSIFIER_RATE = 0.3
ADJECTIVE_RATE = 0.6          # an opinion is an adjective sentence, otherwise a verb sentence
CONTRAST_RATE = 0.25
VERDICT_RATE = 0.4


def _pick(rng, items):
    return items[rng.randint(len(items))]


def adjective_opinion(rng, sign):
    """``the plot was (very) dull`` or ``the plot was not clever``: (text, score of that sign)."""
    noun, plural = _pick(rng, ASPECTS)
    be = "were" if plural else "was"
    strength = _pick(rng, [1, 2])
    if rng.rand() < NEGATION_RATE:
        return f"the {noun} {be} not {_pick(rng, ADJECTIVES[-sign * strength])}", sign
    intensifier = _pick(rng, INTENSIFIERS) + " " if rng.rand() < INTENSIFIER_RATE else ""
    adjective = _pick(rng, ADJECTIVES[sign * strength])
    return f"the {noun} {be} {intensifier}{adjective}", sign * strength


def verb_opinion(rng, sign):
    """``i loved the plot`` or ``i did not hate the plot``: (text, score of that sign)."""
    noun, _ = _pick(rng, ASPECTS)
    strength = _pick(rng, [1, 2])
    if rng.rand() < NEGATION_RATE:
        _, base_form = _pick(rng, VERBS[-sign * strength])
        return f"i did not {base_form} the {noun}", sign
    past_tense, _ = _pick(rng, VERBS[sign * strength])
    return f"i {past_tense} the {noun}", sign * strength


def opinion(rng, sign):
    return (adjective_opinion if rng.rand() < ADJECTIVE_RATE else verb_opinion)(rng, sign)


def opinion_sentence(rng):
    """One opinion, or ``A but B`` with A and B of opposite signs, scored as B."""
    sign = _pick(rng, [-1, 1])
    if rng.rand() < CONTRAST_RATE:
        before, _ = opinion(rng, -sign)
        after, score = opinion(rng, sign)
        return f"{before} but {after}", score
    return opinion(rng, sign)


def neutral_sentence(rng):
    beginning, endings = _pick(rng, NEUTRAL)
    return f"{beginning} {_pick(rng, endings)}", 0


def verdict(rng):
    if rng.rand() < 0.5:
        rating = _pick(rng, list(RATINGS))
        return f"{NUMBERS[rating - 1]} out of ten", RATINGS[rating]
    score = _pick(rng, [-2, 2])
    return _pick(rng, VERDICTS[score]), score


def write_review(rng):
    """(text, total score) of one review."""
    sentences = [opinion_sentence(rng) for _ in range(1 + rng.randint(4))]
    sentences += [neutral_sentence(rng) for _ in range(rng.randint(3))]
    sentences = [sentences[i] for i in rng.permutation(len(sentences))]
    if rng.rand() < VERDICT_RATE:
        sentences.append(verdict(rng))
    return " ".join(text for text, _ in sentences), sum(score for _, score in sentences)


def write_corpus(n_train, n_test, seed):
    """``(train_texts, train_labels), (test_texts, test_labels)``: label 1 when the score is
    positive; half of each part positive; no text twice (in a part or across the two)."""
    if n_train % 2 or n_test % 2:
        raise ValueError("write_corpus: sizes must be even (half of each part positive), "
                         f"got {n_train}, {n_test}")
    rng = np.random.RandomState(seed)
    used, parts = set(), []
    for size in (n_train, n_test):
        texts, labels, per_label = [], [], [0, 0]
        while len(texts) < size:
            text, score = write_review(rng)
            label = int(score > 0)
            if score == 0 or text in used or per_label[label] >= size // 2:
                continue
            used.add(text)
            per_label[label] += 1
            texts.append(text)
            labels.append(label)
        parts.append((texts, labels))
    return parts
