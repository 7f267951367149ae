r"""Autograding a course's assignments: layers, functions, optimizers, training runs, notebooks.

The graders compare a student's work with a reference and return a ``GradeReport`` (one
``Check`` per graded part, with points and a hint computed from the numbers):

* ``grade_layer(MyDense, el.layers.Dense, [(4, 6)], config={"units": 5})``: a student's layer
  (``build``, ``forward``, ``backward``; Keras-style ``self.kernel = self.add_weight(...)`` too)
  against the library's: weights, output shape, output, ``dx``, each weight gradient and
  ``el.gradcheck``, on several input shapes, in float64;
* ``grade_function(softmax_ce, reference, {"small": (logits, y), "logits of 1e3": (...)})``: a
  function against a reference function, one check per named case;
* ``grade_optimizer(MySGD, el.optimizers.SGD, {"w": (3, 4)}, config={"momentum": 0.9})``: the
  updates of every weight on a seeded gradient sequence (``first step``, ``later steps``);
* ``grade_training(model, x_test, y_test, min_accuracy=0.95)``: a training run, by its test
  accuracy (and, given the history, a loss that goes down).

No grader crashes on a student's code: an exception, a wrong type, NaN, or an endless loop
(``timeout``) is a failed check quoting the student's line (``student.call_student``). A failed
check carries a hint: a constant factor (``dx is off by a factor ~2``), a sign flip, a transposed
or flipped array, a gradient that kept the batch axis, NaN where the reference is finite, a
forward that ignores a weight, wrong entries confined to one index, accuracy at chance level.

In an nbgrader test cell, ``report.check()`` raises with the whole report when a check failed
(the cell then scores 0, and the student reads the report in the feedback). ``report.as_dict()``
gives Gradescope's layout for one report.

The course kit (``course/``) follows nbgrader's conventions; ``course.autograde`` runs
``nbgrader generate_assignment`` and ``nbgrader autograde`` on a throwaway course directory and
``course.results_json`` writes Gradescope's ``results.json`` for a whole assignment;
``load_answers`` runs a submitted notebook's code cells (not its tests) without nbgrader, and
``points_table`` lists a notebook's graded parts from their metadata.

The package: ``grade`` (``grade_layer``), ``functions`` (``grade_function``,
``grade_optimizer``), ``training`` (``grade_training``), ``report`` (``Check``, ``GradeReport``),
``diagnosis`` (the hints), ``student`` (running student code), ``notebooks`` and ``course``.
"""
from __future__ import annotations

from .functions import grade_function, grade_optimizer
from .grade import DEFAULT_POINTS, assert_layer_matches, grade_layer
from .notebooks import Answers, load_answers, points_table
from .report import Check, GradeReport
from .student import call_student
from .training import grade_training

__all__ = ["Check", "GradeReport", "grade_layer", "assert_layer_matches", "DEFAULT_POINTS",
           "grade_function", "grade_optimizer", "grade_training", "call_student",
           "load_answers", "Answers", "points_table"]
