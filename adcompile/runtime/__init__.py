"""What generated code imports at run time. The tape itself is a plain Python list
(``tape = []``, ``tape.append(v)``, ``tape.pop()``): the fastest stack Python has."""

from .broadcast import sum_to

__all__ = ["sum_to"]
