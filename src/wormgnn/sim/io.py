"""Ground-truth couplings as CSV, labelled so that they can be matched to recorded neurons."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from wormgnn.data.recording import Recording
from wormgnn.files import atomic_write


def neuron_labels(recording: Recording) -> list[str]:
    """Names, with unidentified neurons labelled by position ('#17') so rows stay addressable."""
    return [n if n else f"#{i}" for i, n in enumerate(recording.neuron_names)]


def write_matrix_csv(matrix: np.ndarray, labels: list[str], path: Path) -> Path:
    """A square matrix with row/column labels, written atomically."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["source\\target", *labels])
            for label, row in zip(labels, matrix, strict=True):
                writer.writerow([label, *(f"{v:.6g}" for v in row)])

    return atomic_write(path, write)


def read_matrix_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    labels = rows[0][1:]
    return labels, np.array([[float(v) for v in r[1:]] for r in rows[1:]], dtype=np.float32)


def write_ground_truth(recording: Recording, coupling: np.ndarray, path: Path) -> Path:
    return write_matrix_csv(coupling, neuron_labels(recording), path)
