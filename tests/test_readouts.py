"""Relations read out of trained models: sensitivity, pulse, encoder."""

import numpy as np
import pytest
import torch
from toys import NAMES, chain_coupling, trained_ring_gnn

from wormgnn.errors import WormGnnError
from wormgnn.models import TaskSpec, build_model
from wormgnn.relations.readouts import forecast_pulse, forecast_sensitivity, infer_relations, resolve_measure
from wormgnn.relations.scoring import auroc
from wormgnn.windows import prepare


def test_forecast_sensitivity_is_the_summed_absolute_jacobian():
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 3, 6, identities=tuple(sorted(NAMES)))).eval()
    x = torch.randn(5, 8, 7)  # one padding neuron
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[:, 6] = False
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 0]]).expand(5, -1)
    wanted = torch.zeros(6, 6, dtype=torch.float64)
    inputs = x.clone().requires_grad_(True)
    out = model(inputs, mask, ids)
    for j in range(6):  # backward mode, one pass per receiver and horizon
        for h in range(3):
            (grad,) = torch.autograd.grad(out[:, h, j].sum(), inputs, retain_graph=True)
            wanted[:, j] += grad[:, -1, :6].abs().mean(0).double()
    with torch.no_grad():  # forward mode, senders in chunks of 2
        got = forecast_sensitivity(model, x, mask, ids, 6, pair_budget=5 * 7 * 7 * 2)
    torch.testing.assert_close(got, wanted, atol=1e-5, rtol=1e-4)
    # no tensor on the default device (a GPU run's data is elsewhere; see test_train)
    with torch.no_grad(), torch.device("meta"):
        torch.testing.assert_close(forecast_sensitivity(model, x, mask, ids, 6, pair_budget=5 * 7 * 7 * 2), got)


def test_sensitivity_recovers_the_direction_of_a_known_graph():
    model, _, ids, recs = trained_ring_gnn()
    vocabulary = {n: i + 1 for i, n in enumerate(ids)}
    prepared = prepare(recs, "shared")[-1]  # the worm the model never trained on
    strength = infer_relations(model, prepared, vocabulary, 8)
    order = [NAMES.index(n) for n in prepared.names]
    truth = chain_coupling()[np.ix_(order, order)] > 0
    off = ~np.eye(6, dtype=bool)
    assert auroc(strength[off], truth[off]) > 0.9
    assert np.all(np.diag(strength) == 0)
    # the ring is directed: each true edge outweighs its reverse
    i, j = np.nonzero(truth)
    assert np.all(strength[i, j] > strength[j, i])


def test_measures_that_a_model_cannot_give_are_refused():
    spec = dict(window=8, horizon=2, n_neurons=3, identities=("AVAL", "AVAR", "PVDL"))
    behavior = build_model("gnn", TaskSpec("behavior", **spec))
    assert resolve_measure(behavior, None) == "encoder"
    with pytest.raises(WormGnnError, match="needs a model trained to forecast"):
        resolve_measure(behavior, "sensitivity")
    with pytest.raises(WormGnnError, match="this model infers no relations"):
        resolve_measure(build_model("gnn-connectome", TaskSpec("forecast", **spec)), "encoder")
    with pytest.raises(WormGnnError, match="unknown measure"):
        resolve_measure(behavior, "granger")


def test_pulse_is_the_mean_forecast_change_of_a_held_push():
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec("forecast", 8, 3, 6, identities=tuple(sorted(NAMES)))).eval()
    x = torch.randn(4, 8, 6)
    mask = torch.ones(4, 6, dtype=torch.bool)
    ids = torch.arange(1, 7).expand(4, -1)
    with torch.no_grad():
        got = forecast_pulse(model, x, mask, ids, 6, pair_budget=4 * 6 * 6 * 2)  # senders in chunks of 2
        base = model(x, mask, ids).sum(1)
        for i in range(6):
            pushed = x.clone()
            pushed[:, :, i] += 1.0
            wanted = (model(pushed, mask, ids).sum(1) - base).mean(0).double()
            torch.testing.assert_close(got[i], wanted, atol=1e-5, rtol=1e-4)


def test_pulse_finds_the_ring_of_a_trained_model():
    model, _, ids, recs = trained_ring_gnn()
    vocabulary = {n: i + 1 for i, n in enumerate(ids)}
    prepared = prepare(recs, "shared")[-1]
    strength = infer_relations(model, prepared, vocabulary, 8, "pulse")
    order = [NAMES.index(n) for n in prepared.names]
    truth = chain_coupling()[np.ix_(order, order)] > 0
    off = ~np.eye(6, dtype=bool)
    assert auroc(strength[off], truth[off]) > 0.9 and (strength >= 0).all()


def test_a_worm_of_many_neurons_is_read_over_fewer_windows():
    from wormgnn.relations.readouts import MIN_READ_WINDOWS, READ_PAIR_WINDOWS, READ_WINDOWS, read_windows

    assert read_windows(22) == read_windows(48) == READ_WINDOWS  # Kato's worms: as before
    counts = [read_windows(n) for n in range(10, 400, 7)]
    assert counts == sorted(counts, reverse=True) and min(counts) == MIN_READ_WINDOWS
    assert all(read_windows(n) * n * n <= READ_PAIR_WINDOWS for n in range(49, 130))
    assert read_windows(100, limit=16) == 16
