"""Write gradlab/expression/worked.json (`make worked`): SymPy's partials and LaTeX for the
formulas the lessons show, so a lesson draws its first picture without importing SymPy.

Every lesson runs top to bottom in a fresh kernel, as Run All does, with the table out of its
reach (so SymPy works each result out), and a last cell hands back what the kernel worked out
(gradlab.expression.expression.worked_out). The table is written whole, once every lesson has
run. Run it after changing a lesson's formulas, SymPy, or one of the sources the table depends
on (worked.SOURCES): tests/test_worked_table.py fails until the table is current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from gradlab.expression import worked  # noqa: E402

HAND_BACK = new_code_cell("import json\nfrom gradlab.expression.expression import worked_out\n"
                          "print(json.dumps(worked_out()))")


def without_table(book: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with the table out of its kernel's reach (SymPy works every result out, as
    with a SymPy other than the one that wrote the table); also run by benchmarks/."""
    book = nbformat.from_dict(book)
    first = next(cell for cell in book.cells if cell.cell_type == "code")
    first.source = ("from gradlab.expression import worked\n"
                    "worked.TABLE = worked.TABLE.with_name('absent.json')\n" + first.source)
    return book


def worked_out_by(path: Path) -> dict[str, list]:
    """What a Run All of the notebook at `path` worked out, as the table stores it."""
    book = without_table(nbformat.read(path, as_version=4))
    book.cells.append(HAND_BACK)
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    text = "".join(output.get("text", "") for output in book.cells[-1].outputs
                   if output.get("output_type") == "stream" and output.get("name") == "stdout")
    return json.loads(text)


def main() -> None:
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))  # all: the table is whole
    entries: dict[str, list] = {}
    for path in paths:
        found = worked_out_by(path)
        for key, pairs in found.items():
            kept = entries.setdefault(key, [])
            for pair in pairs:
                try:
                    json.dumps(pair, allow_nan=False)
                except ValueError:  # inf or nan: left to SymPy
                    continue
                if pair not in kept:
                    kept.append(pair)
        print(f"{path.name}: {len(found)} results")
    worked.write(entries)
    print(f"{worked.TABLE.relative_to(REPO)}: {sum(map(len, entries.values()))} results, "
          f"{worked.TABLE.stat().st_size // 1000} KB ({worked.fingerprint()})")


if __name__ == "__main__":
    main()
