"""What evidence a verification gets for one function: the server-side, static part.

Everything here only *reads* the workspace (call sites, test files, the function's body) and the
model's proposed example calls (parsed as data); nothing is executed.  The workers then build the
values inside their sandboxes.  The project's tests are offered only for a trusted folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hone.verify.examples import call_site_examples, parse_examples
from hone.verify.infer import infer_hints
from hone.verify.project_tests import find_tests


@dataclass(frozen=True, slots=True)
class Evidence:
    hints: tuple[tuple[str, str], ...] = ()
    examples: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.tests:
            parts.append(f"{len(self.tests)} test files")
        if self.examples:
            parts.append(f"{len(self.examples)} example calls")
        if self.hints:
            parts.append("inferred parameter types")
        return ", ".join(parts) or "no static evidence"


def gather_evidence(
    *,
    root: str | None,
    path: str,
    qualname: str,
    function_source: str,
    example_calls: Sequence[object] = (),
    trusted: bool,
    use_tests: bool = True,
) -> Evidence:
    examples = parse_examples(example_calls, "model example")
    examples += call_site_examples(root, qualname)
    tests = find_tests(root, path) if (trusted and use_tests) else ()
    return Evidence(
        hints=tuple(sorted(infer_hints(function_source).items())),
        examples=tuple(dict.fromkeys(examples)),
        tests=tests,
    )
