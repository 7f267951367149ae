"""``Explanation``: what ``layer.explain()`` and ``model.explain()`` return.

An explanation is plain data (formula, shape trace, parameter count and the
count written as arithmetic) with two renderings: ``str()`` for a terminal and
``_repr_markdown_`` so Jupyter shows the formula as typeset math.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field


def format_shape(shape) -> str:
    """``(None, 16)`` style text for a shape tuple (a list of shapes for multi-input layers)."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return repr(tuple(shape))


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv, ast.Div: operator.truediv, ast.Pow: operator.pow}


def evaluate_arithmetic(text: str) -> int:
    """Evaluate a parameter formula such as ``(30*30)*(3*3*3*64) + (30*30)*64``.

    Only integer literals and ``+ - * // / **`` with parentheses are accepted, so
    the tests can check that every ``param_formula`` really adds up to
    ``count_params()`` without calling ``eval``.
    """
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(f"not plain arithmetic: {text!r}")
    return int(walk(ast.parse(text, mode="eval")))


def _md_escape(text: str) -> str:
    """Markdown-safe table text: ``3*3*64`` must not turn into italics, nor ``|`` into a column."""
    for ch in ("\\", "*", "_", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


@dataclass
class Step:
    """One step of a shape trace: what happens, and the shape after it."""
    description: str
    shape: object

    def __str__(self):
        return f"{self.description}: {format_shape(self.shape)}"


@dataclass
class Explanation:
    """What a layer (or a model) computes, step by step, with its parameter count.

    Attributes
    ----------
    name : str
        The layer's class and instance name, e.g. ``"Dense (dense_1)"``.
    formula : str
        LaTeX of the computation, e.g. ``y = \\mathrm{relu}(xW + b)``.
    shape_trace : list[Step]
        Ordered steps from the input shape to the output shape.
    param_count : int
        Equal to ``count_params()`` and to Keras' ``summary()``.
    param_formula : str
        The count as arithmetic a student can check, e.g. ``16*32 + 32``.
    notes : list[str]
        Details worth knowing: Keras-version differences, defaults, conventions.
    children : list[Explanation]
        For a model: one explanation per layer.
    """
    name: str
    formula: str
    shape_trace: list = field(default_factory=list)
    param_count: int = 0
    param_formula: str = "0"
    notes: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def input_shape(self):
        return self.shape_trace[0].shape if self.shape_trace else None

    @property
    def output_shape(self):
        return self.shape_trace[-1].shape if self.shape_trace else None

    @property
    def trace(self) -> str:
        """The trace in one line, ``(None, 16) -> (None, 32)`` (steps that keep the shape are folded)."""
        shapes = [format_shape(s.shape) for s in self.shape_trace]
        kept = [s for i, s in enumerate(shapes) if i == 0 or s != shapes[i - 1]]
        return " -> ".join(kept)

    @property
    def params_line(self) -> str:
        if self.param_formula.strip() == str(self.param_count):
            return str(self.param_count)
        return f"{self.param_formula} = {self.param_count}"

    def __str__(self) -> str:
        lines = [self.name, f"  formula: {self.formula}", f"  shapes:  {self.trace}"]
        lines += [f"    {i}. {step}" for i, step in enumerate(self.shape_trace)]
        lines.append(f"  params:  {self.params_line}")
        lines += [f"  note: {n}" for n in self.notes]
        for child in self.children:
            lines += ["  " + line for line in str(child).splitlines()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        md = [f"**{_md_escape(self.name)}**", "", f"$$ {self.formula} $$", "",
              "| step | shape |", "|---|---|"]
        md += [f"| {_md_escape(s.description)} | `{format_shape(s.shape)}` |" for s in self.shape_trace]
        md += ["", f"**parameters:** `{self.params_line}`"]
        md += [f"- {_md_escape(n)}" for n in self.notes]
        for child in self.children:
            md += ["", "---", "", child._repr_markdown_()]
        return "\n".join(md)
