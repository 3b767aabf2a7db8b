"""Where a finding's squiggle goes: on the construct a user must change, not on everything the
rule looked at.

A loop is reported by its header (``for x in xs``), not its nine-line body; a call that spans
several lines by its callee (``out.append``).  The fix still replaces what it must: only the
diagnostic's range is narrowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider


def header_end(node: cst.CSTNode) -> cst.CSTNode | None:
    """The last node of a compound statement's header, or None for other nodes."""
    if isinstance(node, cst.For):
        return node.iter
    if isinstance(node, cst.While | cst.If):
        return node.test
    if isinstance(node, cst.With) and node.items:
        return node.items[-1]
    return None


def focus(
    node: cst.CSTNode, end_node: cst.CSTNode | None, position: Callable[[cst.CSTNode], CodeRange]
) -> tuple[cst.CSTNode, cst.CSTNode]:
    """The (start, end) nodes of the range to show for a report of ``node`` .. ``end_node``."""
    header = header_end(node)
    if header is not None:
        return node, header
    end = end_node or node
    if end is node and isinstance(node, cst.Call):
        where = position(node)
        if where.start.line != where.end.line:
            return node, node.func
    return node, end


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """libcst's ``PositionProvider`` ranges of every node of ``module``.

    ``MetadataWrapper.resolve`` also runs a batched visit for batchable providers even when
    there are none -- a full rebuild of the tree, as costly as the codegen that computes the
    positions -- so the provider is run directly: half the cost of a chunk with findings.
    """
    provider = PositionProvider()
    provider._gen_impl(module)  # the provider's own entry point, as the wrapper calls it
    return cast(Mapping[cst.CSTNode, CodeRange], provider._computed)
