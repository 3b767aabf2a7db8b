"""Prompt building and the request: from a document's functions to what travels to the endpoint.

The seams, in the order a function goes through them:

1. :func:`build_prompts` -- one redacted :class:`~hone.llm.prompt.FunctionPrompt` per function
   (its text is also the function's cache key, whether it is later sent alone or in a batch);
2. :func:`build_request` -- the messages of one request: one function's own prompt, or a batch
   of several (instructions and imports paid once);
3. :func:`send` -- the request to the endpoint; the provider validates the reply's JSON
   (:mod:`hone.llm.schema`), and :mod:`hone.llm.reply` splits it per function.

Building is CPU work (parsing, redaction): callers run 1 and 2 off the event loop.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hone.core.functions import FunctionInfo, index_functions
from hone.core.text import split_lines
from hone.llm.prompt import (
    FunctionPrompt,
    ModuleContext,
    build_batch_prompt,
    build_module_context,
    build_prompt,
)
from hone.llm.provider import Completion, Provider, estimate_tokens


@dataclass(frozen=True, slots=True)
class Request:
    """The messages of one request and the redaction placeholders its text uses."""

    functions: tuple[FunctionInfo, ...]
    prompts: tuple[FunctionPrompt, ...]  # each function's own prompt (same order)
    system: str
    user: str
    mapping: Mapping[str, str]  # placeholder -> original, as numbered in *this* request

    @property
    def batched(self) -> bool:
        return len(self.functions) > 1

    @property
    def tokens_est(self) -> int:
        return estimate_tokens(self.system + "\n" + self.user)


def parse_and_index(text: str) -> list[FunctionInfo] | None:
    """The functions of ``text``, or None when it does not parse (analysed again once it does)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return index_functions(tree, split_lines(text))


def build_prompts(
    text: str, functions: Sequence[FunctionInfo], measured: Mapping[str, str] | None = None
) -> tuple[ModuleContext, list[FunctionPrompt]] | None:
    """Each function's prompt, with the module context they share.

    ``measured`` (qualname -> what the last "run with timing" found) goes into the prompts of
    the functions that took the time.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    context = build_module_context(tree)
    if measured:
        context.profile.update(measured)
    return context, [build_prompt(fn, context) for fn in functions]


def build_request(
    functions: Sequence[FunctionInfo], prompts: Sequence[FunctionPrompt], context: ModuleContext
) -> Request:
    """One function travels with its own prompt; several share one batch prompt."""
    if len(functions) == 1:
        prompt = prompts[0]
        return Request(
            tuple(functions), tuple(prompts), prompt.system, prompt.user, prompt.redaction.mapping
        )
    batch = build_batch_prompt(functions, context)
    return Request(
        tuple(functions), tuple(prompts), batch.system, batch.user, batch.redaction.mapping
    )


async def send(provider: Provider, request: Request) -> Completion:
    """The endpoint's validated reply (raises :class:`~hone.llm.provider.ProviderError`)."""
    return await provider.complete(request.system, request.user)
