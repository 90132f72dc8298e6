"""Compiled code, and what a call of it gives the user.

`Compiled` is what the pipeline makes of one transform for one signature of arguments:
the IR, the generated source and function, and how the user's result is assembled from
what that function returns: as it is, rebuilt into containers (see `pytree`), or, for a
Jacobian or Hessian the batch transform could not batch, from one call of the tangent
program per basis direction (`basis_sweep`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .ir.nodes import Function
from .pytree import Tree, unflatten


@dataclass
class Compiled:
    ir: Function
    source: str
    function: Callable  # the generated function, whose source is `source`
    run: Callable       # what a call runs: it, falling back to NumPy semantics where it raises
    per_direction: bool  # a Jacobian or Hessian by one call of `function` per direction
    direct: bool  # whether `function` returns exactly what the user gets
    tree: Tree  # the structure of what the user gets (for jvp and vjp: f's result)
    positions: tuple  # the leaves differentiated
    # when `function` returns a flat tuple of leaves: the structure to rebuild from them
    assemble: Tree | None = None

    def assembled(self, result):
        """What the user gets from what the generated function returned."""
        return result if self.assemble is None else unflatten(self.assemble, result)

    def sweep(self, values: list):
        """Jacobian or Hessian, by a call of the tangent program per basis direction of
        each differentiated input: for programs the batch transform cannot batch."""
        blocks = basis_sweep(self.run, values, self.positions)
        return unflatten(self.tree, [block for row in blocks for block in row])


def basis_sweep(tangent_fn: Callable, values: list, positions: tuple) -> list[list]:
    """blocks[i][j]: d(output i)/d(input positions[j]), shaped output.shape + input.shape.

    `tangent_fn(*values, *tangents)` returns the tangent of each output.
    """
    columns: list[list[list]] = []
    for j, position in enumerate(positions):
        shape = np.shape(values[position])
        per_direction = []
        for index in np.ndindex(*shape):
            tangents = []
            for p in positions:
                zero = np.zeros_like(values[p], dtype=float) if isinstance(
                    values[p], np.ndarray) else 0.0
                if p == position:
                    if isinstance(zero, np.ndarray):
                        zero[index] = 1.0
                    else:
                        zero = 1.0
                tangents.append(zero)
            out = tangent_fn(*values, *tangents)
            per_direction.append(out if isinstance(out, tuple) else (out,))
        columns.append(per_direction)
    n_outputs = len(columns[0][0])
    blocks = []
    for i in range(n_outputs):
        row = []
        for j, position in enumerate(positions):
            shape = np.shape(values[position])
            pieces = [np.asarray(direction[i], dtype=float) for direction in columns[j]]
            if not shape:
                row.append(pieces[0].item() if pieces[0].ndim == 0 else pieces[0])
                continue
            stacked = np.stack(pieces, axis=-1)
            row.append(stacked.reshape(stacked.shape[:-1] + shape))
        blocks.append(row)
    return blocks
