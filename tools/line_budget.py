"""The line budget of src/glassnet, checked in CI (``make lint``): the library stays small enough to read.

Lines of code are the lines of a module that hold code: blank lines, comments and docstrings don't count (they
are encouraged). Two limits, both chosen to leave room for the planned features while forcing a look when a
module or the whole grows past them:

- a module holds at most MODULE_BUDGET lines of code (the house style splits a module past ~300 lines, by concept);
- the package holds at most TOTAL_BUDGET (≈ 9,000 today; the compiled engine, the playground server, Keras files,
  notebook displays and the layer study are expected to add about 5,000).

Run:  python tools/line_budget.py        (exit 1, naming the offenders, when over budget)
"""

from __future__ import annotations

import io
import sys
import tokenize
from pathlib import Path

MODULE_BUDGET = 350
TOTAL_BUDGET = 16_000
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "glassnet"
_LAYOUT = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
           tokenize.ENDMARKER)


def lines_of_code(source: str) -> int:
    """Lines that hold a token of code; a string that is a whole statement (a docstring) is not code."""
    lines: set[int] = set()
    previous = None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in _LAYOUT:
            previous = token if token.type != tokenize.COMMENT else previous
            continue
        starts_statement = previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT,
                                                                 tokenize.DEDENT, tokenize.NL)
        if not (token.type == tokenize.STRING and starts_statement):
            lines.update(range(token.start[0], token.end[0] + 1))
        previous = token
    return len(lines)


def main() -> int:
    counts = {path.relative_to(PACKAGE.parent).as_posix(): lines_of_code(path.read_text(encoding="utf-8"))
              for path in sorted(PACKAGE.rglob("*.py"))}
    total = sum(counts.values())
    over = {name: n for name, n in counts.items() if n > MODULE_BUDGET}
    largest = ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda item: -item[1])[:3])
    print(f"src/glassnet: {total} lines of code in {len(counts)} modules (budget {TOTAL_BUDGET}); largest: {largest}")
    for name, n in over.items():
        print(f"over the module budget of {MODULE_BUDGET}: {name} has {n} lines of code (split it by concept)")
    if total > TOTAL_BUDGET:
        print(f"over the total budget: {total} > {TOTAL_BUDGET} lines of code")
    return 1 if over or total > TOTAL_BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
