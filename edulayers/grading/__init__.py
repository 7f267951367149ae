r"""Autograding a student's layer: ``grading.grade_layer(MyDense, el.layers.Dense, [(4, 6)], config={"units": 5})``.

A student writes a layer (a subclass of ``el.layers.Layer`` with ``build``, ``forward`` and
``backward``); the grader compares it with the library's own layer of the same name:

1. **build**: both layers are built for each input shape; the reference's weights are set to
   seeded random values (so that a zero bias or a unit scale cannot hide a bug) and copied into
   the student's layer by name and shape (``weights`` says which weight is missing or mis-shaped);
2. **forward**: ``output_shape`` and ``forward`` compare :math:`y` on seeded random inputs;
3. **backward**: with the same random upstream gradient :math:`\delta` for both layers,
   ``dx`` compares :math:`\partial L/\partial x` and ``grads[name]`` each weight gradient;
4. ``gradcheck`` runs ``el.gradcheck`` on the student's layer alone (finite differences).

Everything runs in float64. A student's exception, a wrong shape, NaN, or a ``backward`` that
returns ``None`` gives a failed check with the exception text, never a crash of the grader. Each
failed check carries a hint derived from the numbers: a constant factor (``dx is off by a factor
~2``), a sign flip, a transposed or flipped array, a gradient that kept the batch axis, a
forward that ignores a weight, wrong entries confined to one index (an off-by-one).

Points: ``points={"build": 1, "output_shape": 1, "forward": 3, "dx": 2, "grads": 2,
"gradcheck": 1}`` by default; a kind with several checks (one ``grads[...]`` per weight, one
check per path) splits its points evenly among them.

For a course:

* ``assert_layer_matches(...)`` is the one-line pytest autograder test;
* ``report.as_dict()`` gives ``{"score", "max_score", "tests": [...]}`` (Gradescope's
  ``results.json`` layout);
* ``strip_solutions(notebook)`` turns an instructor's notebook into the students' one: cells
  tagged ``solution`` are removed, Markdown cells tagged ``skeleton`` (a fenced python block)
  become code cells tagged ``answer``, outputs are cleared;
* ``load_answers(notebook)`` runs the cells tagged ``answer`` of a submitted notebook and returns
  their namespace (where the student's classes are).

The package holds ``grade`` (``grade_layer``, ``assert_layer_matches``, the points), ``report``
(``Check``, ``GradeReport`` and their renderings), ``diagnosis`` (the hints computed from the
numbers) and ``notebooks`` (``strip_solutions``, ``load_answers``).
"""
from __future__ import annotations

from .grade import DEFAULT_POINTS, assert_layer_matches, grade_layer
from .notebooks import load_answers, strip_solutions
from .report import Check, GradeReport

__all__ = ["Check", "GradeReport", "grade_layer", "assert_layer_matches", "DEFAULT_POINTS",
           "strip_solutions", "load_answers"]
