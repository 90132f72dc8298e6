"""The IR as text: one op per line, regions indented, names from hints.

    def goldstein(x: float, y: float):
      t = add x y
      ...
      return z

Values are named in print order from their hints (``x``, ``x.1`` for the second value
hinted ``x``, ``%3`` when there is no hint), and params print sorted, so the text is the
same from run to run and two dumps can be diffed.
"""

from __future__ import annotations

from .nodes import Function, Op, Region, Value
from .structured import region_labels


class _Names:
    def __init__(self):
        self.names: dict[Value, str] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, value: Value) -> str:
        if value not in self.names:
            base = value.hint or "%"
            n = self.counts.get(base, 0)
            self.counts[base] = n + 1
            if base == "%":
                self.names[value] = f"%{n}"
            else:
                self.names[value] = base if n == 0 else f"{base}.{n}"
        return self.names[value]


def format_function(fn: Function, names: _Names | None = None) -> str:
    names = names if names is not None else _Names()
    params = ", ".join(f"{names(p)}: {p.type or '?'}" for p in fn.params)
    lines = [f"def {fn.name}({params}):"]
    _region(fn.body, names, lines, "  ")
    if fn.result_nesting is not None:
        lines.append(f"  return {_nested(fn.result_nesting, [names(v) for v in fn.results])}")
    else:
        results = ", ".join(names(v) for v in fn.results)
        lines.append(f"  return {'(' + results + ')' if fn.returns_tuple else results}")
    return "\n".join(lines)


def _nested(nesting, names: list[str]) -> str:
    if isinstance(nesting, tuple):
        inner = [_nested(k, names) for k in nesting]
        return f"({', '.join(inner)}{',' if len(inner) == 1 else ''})"
    return names[nesting]


def value_names(fn: Function) -> dict[Value, str]:
    """The name the printed text gives each value of `fn`, so drawings can say the same."""
    names = _Names()
    format_function(fn, names)
    return names.names


def _typed(value: Value, names: _Names) -> str:
    return f"{names(value)}: {value.type}" if value.type is not None else names(value)


def _op_line(op: Op, names: _Names) -> str:
    outs = ", ".join(_typed(v, names) for v in op.outputs)
    args = " ".join(names(v) for v in op.inputs)
    params = " ".join(f"{k}={param_text(op.params[k])}" for k in sorted(op.params))
    text = " ".join(part for part in (op.prim, params, args) if part)
    return f"{outs} = {text}" if outs else text


def param_text(value) -> str:
    return repr(value)


def _region(region: Region, names: _Names, lines: list[str], indent: str) -> None:
    for op in region.ops:
        lines.append(indent + _op_line(op, names))
        for label, inner in zip(region_labels(op), op.regions):
            params = ", ".join(_typed(p, names) for p in inner.params)
            lines.append(f"{indent}  {label}({params}):")
            _region(inner, names, lines, indent + "    ")
            lines.append(f"{indent}    yield {', '.join(names(v) for v in inner.results)}")

