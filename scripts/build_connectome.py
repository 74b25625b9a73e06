"""Rebuild ``src/wormgnn/connectome/cook2019_herm.npz`` from the ``cect`` wheel.

Usage::

    pip download --no-deps cect==0.3.5 -d /tmp/cect
    python scripts/build_connectome.py /tmp/cect/cect-0.3.5-py3-none-any.whl

The wheel carries Cook et al. 2019's hermaphrodite connectome as
``cect/cache/Cook2019HermReader.json`` (473 cells incl. muscles and glia; row =
presynaptic, column = postsynaptic). We keep only the 302 neurons listed in
``cect/Cells.py:PREFERRED_HERM_NEURON_NAMES`` so that ``cect`` (and pandas,
which it imports) never becomes a runtime dependency.
"""

from __future__ import annotations

import ast
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src/wormgnn/connectome/cook2019_herm.npz"


def _neuron_names(cells_source: str) -> list[str]:
    for node in ast.parse(cells_source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PREFERRED_HERM_NEURON_NAMES" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise SystemExit("PREFERRED_HERM_NEURON_NAMES not found in cect/Cells.py")


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        reader = json.loads(zf.read("cect/cache/Cook2019HermReader.json"))
        names = _neuron_names(zf.read("cect/Cells.py").decode())
    if len(names) != 302:
        raise SystemExit(f"expected 302 neurons, found {len(names)}")
    nodes = reader["nodes"]
    index = [nodes.index(n) for n in names]
    chemical = np.asarray(reader["connections"]["Generic_CS"], dtype=np.float64)[np.ix_(index, index)]
    gap = np.asarray(reader["connections"]["Generic_GJ"], dtype=np.float64)[np.ix_(index, index)]
    np.savez_compressed(
        OUT,
        names=np.array(names),
        chemical=chemical.astype(np.float32),
        gap=gap.astype(np.float32),
        source=np.array(f"{Path(wheel).name}:cect/cache/Cook2019HermReader.json"),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {int((chemical > 0).sum())} chemical, "
          f"{int((gap > 0).sum())} gap-junction entries among {len(names)} neurons")


if __name__ == "__main__":
    main(sys.argv[1])
