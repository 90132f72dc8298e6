"""Optimization passes over the IR; `optimize` runs them to a fixed point."""

from .driver import optimize

__all__ = ["optimize"]
