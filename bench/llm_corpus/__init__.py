"""The LLM-quality corpus: realistic, untyped one-function modules with a known slow spot.

Each case holds the module the model is shown, the lines where the time goes (``hot``: substrings
of the lines, so the labels survive edits), a known correct faster rewrite, and inputs written as
argument sources evaluated here (trusted corpus code; ``R`` is a per-case ``random.Random(7)``).
``inputs`` are what hone's verifier sees (as a recorded run would give it: a realistic size and a
few edge cases); ``hidden`` inputs are held back and used only to judge, after the fact, whether
a rewrite the verifier accepted is really correct.  ``wrong`` is the obvious rewrite that a trap
(iterator inputs, ties, empty inputs, float order, argument mutation, duplicate keys) breaks.
"""

from __future__ import annotations

from bench.llm_corpus.cases import CASES, Case, case_inputs, hot_lines

__all__ = ["CASES", "Case", "case_inputs", "hot_lines"]
