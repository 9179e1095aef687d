"""Bounds on every rendering of a Word template: loop iterations and calls, the size of each
string built and of all text produced, and the time spent. An organisation's restyled template
is not trusted: without them, nested loops or a string doubled in a loop could hold a worker for
hours or exhaust its memory, on the upload check or on any later export.

The budget is per render (every part of a document: body, headers, footers, properties) and
lives in a context variable; `bounded_render()` opens one. The compiled template counts every
loop iteration and every call against it, and every string it joins; the environment checks
the operators and filters that can make a string much larger than their operands before they
run.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.environment import Template
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext

# Loop iterations (and calls, see CALL_COST) in one render: a 500-activity register needs
# about 11 000.
MAX_ITERATIONS = 500_000
# Characters in any one string a template builds, and in all the text one render produces
# (the XML of a 500-activity register is about 19 million characters).
MAX_STRING = 20_000_000
MAX_OUTPUT = 100_000_000
# What one call (a macro, a method) costs in iterations: a call does far more work than one
# turn of a loop, and the shipped templates make none.
CALL_COST = 10
# Wall-clock seconds for one render.
MAX_SECONDS = 30.0
# Items in a string or list built with `*`.
MAX_SEQUENCE = 1_000_000
# Bits of a whole number built with `*` or `**` (a 64-bit number has 64).
MAX_INTEGER_BITS = 4096

TOO_MANY_ITERATIONS = _l(
    "le modèle dépasse %(count)s itérations de boucle ou appels en un rendu",
    count=f"{MAX_ITERATIONS:,}".replace(",", "\u202f"),
)
TOO_LONG = _l("le rendu du modèle dépasse %(seconds)d secondes", seconds=int(MAX_SECONDS))
STRING_TOO_LARGE = _l("le modèle construit une chaîne de caractères trop longue")
OUTPUT_TOO_LARGE = _l("le modèle produit un document trop volumineux")
SEQUENCE_TOO_LONG = _l("séquence trop longue dans un modèle de document")


class TemplateLimitExceeded(SecurityError):
    """A render went past one of the bounds; the message says which."""


@dataclass
class Budget:
    steps: int = field(default_factory=lambda: MAX_ITERATIONS)
    output: int = field(default_factory=lambda: MAX_OUTPUT)
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)

    unchecked: int = 0

    def step(self, count: int = 1) -> None:
        self.steps -= count
        if self.steps < 0:
            raise TemplateLimitExceeded(TOO_MANY_ITERATIONS)
        self.unchecked += count
        if self.unchecked >= 1024:
            self.unchecked = 0
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitExceeded(TOO_LONG)

    def produce(self, size: int) -> None:
        self.output -= size
        if self.output < 0:
            raise TemplateLimitExceeded(OUTPUT_TOO_LARGE)


_budget: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


@contextmanager
def bounded_render() -> Iterator[Budget]:
    """One budget for what renders inside (nested renders share the outer one)."""
    current = _budget.get()
    if current is not None:
        yield current
        return
    token = _budget.set(Budget())
    try:
        yield _budget.get()
    finally:
        _budget.reset(token)


def _current() -> Budget:
    budget = _budget.get()
    if budget is None:
        # Only BoundedTemplate.render runs template code, and it opens a budget.
        raise RuntimeError("a document template runs only inside bounded_render()")
    return budget


def check_string(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise TemplateLimitExceeded(STRING_TOO_LARGE)
    return value


def guarded_iterable(iterable: Any) -> Iterator[Any]:
    """A `for` loop's iterable, each item counted against the render's budget."""
    budget = _current()
    for item in iterable:
        budget.step()
        yield item


def bounded_concat(pieces) -> str:
    """`environment.concat`: joins what a template (or a block, a macro) produces, counting it
    against the render's output budget as it is produced."""
    budget = _current()
    parts, size = [], 0
    for count, piece in enumerate(pieces, 1):
        size += len(piece)
        if size > budget.output:
            raise TemplateLimitExceeded(OUTPUT_TOO_LARGE)
        if count % 1024 == 0:
            budget.check_time()
        parts.append(piece)
    budget.produce(size)
    return "".join(parts)


def bounded_stream(template: Template, context: dict) -> Iterator[str]:
    """What `template.render(context)` joins, a thousand pieces at a time as they are produced
    (a large document is never held whole), within the same budget as `bounded_concat`."""
    budget = _current()
    parts, size = [], 0
    try:
        pieces = template.root_render_func(template.new_context(context))
        for count, piece in enumerate(pieces, 1):
            size += len(piece)
            if size > budget.output:
                raise TemplateLimitExceeded(OUTPUT_TOO_LARGE)
            parts.append(piece)
            if count % 1024 == 0:
                budget.check_time()
                budget.produce(size)
                size = 0
                yield "".join(parts)
                parts.clear()
        budget.produce(size)
    except Exception:
        template.environment.handle_exception()
    yield "".join(parts)


# --- what can make a string much larger than its operands ------------------------------------

_PRINTF_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*?:([^{}]*)\}|\{[^{}]*\{")


def check_printf(template: Any) -> None:
    """`'%9999999999d' % 1` allocates the width: refuse a width or precision too large, or
    given by an argument (`*`)."""
    if not isinstance(template, str):
        return
    for match in _PRINTF_WIDTH.finditer(template):
        for group in match.groups():
            if group == "*" or (group and int(group) > MAX_STRING):
                raise TemplateLimitExceeded(STRING_TOO_LARGE)


def check_format_method(template: str) -> None:
    """`'{:>9999999999}'.format(1)`: the same for str.format (nested fields refused)."""
    for match in _FORMAT_SPEC.finditer(template):
        spec = match.group(1)
        if spec is None or any(int(n) > MAX_STRING for n in re.findall(r"\d+", spec)):
            raise TemplateLimitExceeded(STRING_TOO_LARGE)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
        raise TemplateLimitExceeded(_l("exposant trop grand dans un modèle de document"))
    # Whole numbers have no size limit in Python: squaring one in a loop doubles it each time.
    if (
        operator == "**"
        and _is_int(left)
        and _is_int(right)
        and left.bit_length() * right > MAX_INTEGER_BITS
    ) or (
        operator == "*"
        and _is_int(left)
        and _is_int(right)
        and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS
    ):
        raise TemplateLimitExceeded(_l("exposant trop grand dans un modèle de document"))
    if operator == "*":
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and len(sequence) * count > MAX_SEQUENCE
            ):
                raise TemplateLimitExceeded(SEQUENCE_TOO_LONG)
    if (
        operator == "+"
        and isinstance(left, str | list | tuple)
        and hasattr(right, "__len__")
        and len(left) + len(right) > MAX_STRING
    ):
        raise TemplateLimitExceeded(STRING_TOO_LARGE)
    if operator == "%":
        check_printf(left)


def _checked(check):
    def wrap(function):
        @functools.wraps(function)
        def checked(*args, **kwargs):
            check(*args, **kwargs)
            return check_string(function(*args, **kwargs))

        return checked

    return wrap


def _size(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else len(str(value))


def _check_center(value, width=80, *_args, **_kwargs):
    if _size(width) > MAX_STRING:
        raise TemplateLimitExceeded(STRING_TOO_LARGE)


def _check_indent(text, width=4, *_args, **_kwargs):
    lines = str(text).count("\n") + 1
    if lines * _size(width) + len(str(text)) > MAX_STRING:
        raise TemplateLimitExceeded(STRING_TOO_LARGE)


def _check_replace(_eval_ctx, text, old, new, count=None):
    text, old, new = str(text), str(old), str(new)
    occurrences = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        occurrences = min(occurrences, count)
    if len(text) + occurrences * len(new) > MAX_STRING:
        raise TemplateLimitExceeded(STRING_TOO_LARGE)


def _check_format(value, *_args, **_kwargs):
    check_printf(value)


def _check_wordwrap(_env, text, width=79, *args, **kwargs):
    if len(str(text)) * 2 > MAX_STRING:
        raise TemplateLimitExceeded(STRING_TOO_LARGE)


_FILTER_CHECKS = {
    "center": _check_center,
    "indent": _check_indent,
    "replace": _check_replace,
    "format": _check_format,
    "wordwrap": _check_wordwrap,
}


def _bounded_join(join):
    @functools.wraps(join)
    def bounded(eval_ctx, value, d="", attribute=None):
        # The items are counted first: a long separator between many items is the risk.
        items = list(guarded_iterable(value))
        if len(items) * len(str(d)) > MAX_STRING:
            raise TemplateLimitExceeded(STRING_TOO_LARGE)
        return check_string(join(eval_ctx, items, d, attribute))

    return bounded


def bound_filters(filters: dict) -> None:
    """Check, before they run, the filters whose result can be much larger than their input;
    add the loop guard."""
    filters[LOOP_GUARD] = guarded_iterable
    for name, check in _FILTER_CHECKS.items():
        if name in filters:
            filters[name] = _checked(check)(filters[name])
    if "join" in filters:
        filters["join"] = _bounded_join(filters["join"])


# --- the compiled template -------------------------------------------------------------------


# The filter every loop's iterable goes through (Jinja allows no custom node type).
LOOP_GUARD = "_counted_iterations"


class BoundedCodeGenerator(CodeGenerator):
    """Compiles every loop's iterable through the guard, and checks the size of every string
    joined with `~` and every filter's result."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.check_string(")
        super().visit_Concat(node, frame)
        self.write(")")

    def visit_Filter(self, node, frame) -> None:
        self.write("environment.check_string(")
        super().visit_Filter(node, frame)
        self.write(")")


def guard_loops(tree: nodes.Template) -> nodes.Template:
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, LOOP_GUARD, [], [], None, None, lineno=loop.lineno)
    return tree


class BoundedTemplate(Template):
    """A template whose every render runs inside a budget."""

    def render(self, *args, **kwargs) -> str:
        with bounded_render():
            return super().render(*args, **kwargs)


class BoundedEnvironmentMixin:
    """What a sandboxed environment needs to keep every render within the bounds."""

    code_generator_class = BoundedCodeGenerator
    template_class = BoundedTemplate
    concat = staticmethod(bounded_concat)
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    guarded_iterable = staticmethod(guarded_iterable)
    check_string = staticmethod(check_string)

    def call_binop(self, context, operator, left, right):
        check_binop(operator, left, right)
        return check_string(super().call_binop(context, operator, left, right))

    def call(self, context, obj, /, *args, **kwargs):
        _current().step(CALL_COST)
        # A recursive loop's `loop(children)` iterates children: count them too.
        if isinstance(obj, LoopContext) and args:
            args = (guarded_iterable(args[0]), *args[1:])
        return check_string(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            check_format_method(value.__self__)
        return wrapper

    def _parse(self, source, name, filename):
        return guard_loops(super()._parse(source, name, filename))
