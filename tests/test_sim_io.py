import numpy as np

from wormgnn.sim import simulate
from wormgnn.sim.io import neuron_labels, read_matrix_csv, write_ground_truth


def test_ground_truth_csv_round_trip(tmp_path):
    (rec,), (truth,) = simulate(worms=1, seed=0, duration_s=40)
    path = write_ground_truth(rec, truth, tmp_path / "gt" / "w.csv")
    labels, matrix = read_matrix_csv(path)
    assert labels == neuron_labels(rec)
    assert any(lab.startswith("#") for lab in labels)
    np.testing.assert_allclose(matrix, truth, rtol=1e-5, atol=1e-7)
