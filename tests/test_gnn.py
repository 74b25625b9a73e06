import numpy as np
import pytest
import torch
from toys import NAMES, chain_coupling, trained_ring_gnn

from wormgnn.models import TaskSpec, build_model
from wormgnn.relations.scoring import auroc
from wormgnn.train import predict

IDS = tuple(sorted(NAMES))


def _inputs(b=3, w=8, n=6, pad=0, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, w, n + pad, generator=g)
    mask = torch.zeros(b, n + pad, dtype=torch.bool)
    mask[:, :n] = True
    ids = torch.zeros(b, n + pad, dtype=torch.long)
    ids[:, :n] = torch.arange(1, n + 1)
    return x, mask, ids


@pytest.mark.parametrize("name", ["gnn", "gnn-connectome"])
@pytest.mark.parametrize("task", ["forecast", "behavior"])
def test_shapes(name, task):
    model = build_model(name, TaskSpec(task, 8, 3, 6, identities=IDS)).eval()
    out = model(*_inputs())
    assert out.shape == ((3, 3, 6) if task == "forecast" else (3, 7))
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["gnn", "gnn-connectome"])
@pytest.mark.parametrize("task", ["forecast", "behavior"])
@pytest.mark.parametrize("recurrent", [False, True])
def test_padding_never_changes_real_outputs(name, task, recurrent):
    torch.manual_seed(0)
    settings = {"recurrent": recurrent, "centered": recurrent}  # the centered encoder is masked too
    model = build_model(name, TaskSpec(task, 8, 3, 9, identities=IDS), settings).eval()
    x, mask, ids = _inputs(n=6, pad=3)
    base = model(x, mask, ids)
    x2 = x.clone()
    x2[:, :, 6:] = torch.randn(3, 8, 3) * 100  # garbage in the padding
    ids2 = ids.clone()
    ids2[:, 6:] = 2
    other = model(x2, mask, ids2)
    if task == "forecast":
        torch.testing.assert_close(base[:, :, :6], other[:, :, :6])
    else:
        torch.testing.assert_close(base, other)


@pytest.mark.parametrize("task", ["forecast", "behavior"])
def test_permuting_neurons_permutes_outputs(task):
    torch.manual_seed(0)
    model = build_model("gnn", TaskSpec(task, 8, 3, 6, identities=IDS)).eval()
    x, mask, ids = _inputs()
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    base = model(x, mask, ids)
    permuted = model(x[:, :, perm], mask[:, perm], ids[:, perm])
    if task == "forecast":
        torch.testing.assert_close(base[:, :, perm], permuted, atol=1e-5, rtol=1e-4)
    else:
        torch.testing.assert_close(base, permuted, atol=1e-5, rtol=1e-4)


def test_learns_a_known_graph_and_recovers_its_edges():
    model, test, ids, _ = trained_ring_gnn()
    pred = predict(model, test)
    persistence = ((test.x[:, -1:, :] - test.y) ** 2).mean().item()
    assert ((torch.from_numpy(pred) - test.y) ** 2).mean().item() < 0.9 * persistence
    strength = model.relation_strength(test.x, test.mask, test.ids).numpy()
    order = [NAMES.index(n) for n in ids]  # prepared neurons are in sorted-name order
    truth = chain_coupling()[np.ix_(order, order)] > 0
    off = ~np.eye(6, dtype=bool)
    assert auroc(strength[off], truth[off]) > 0.8


def test_centered_relations_have_no_sender_or_receiver_main_effect():
    torch.manual_seed(0)
    model = build_model("gnn:centered=true", TaskSpec("forecast", 8, 3, 6, identities=IDS)).eval()
    x, mask, ids = _inputs()
    logits = model.relation_logits(x, mask, ids)
    relative = logits[..., 1] - logits[..., 0]
    torch.testing.assert_close(relative.mean(dim=1), torch.zeros(3, 6), atol=1e-5, rtol=0)
    torch.testing.assert_close(relative.mean(dim=2), torch.zeros(3, 6), atol=1e-5, rtol=0)


def test_the_compiled_encoder_matches_the_reference(monkeypatch):
    """The fast path (relation_probabilities compiled) against the eager reference: a training
    step's outputs and gradients, and an evaluation's outputs, agree within float tolerance,
    padding included; outside ``fused_path`` the reference runs."""
    from wormgnn.models import gnn

    monkeypatch.setattr(gnn, "_FUSED", None)
    spec = TaskSpec("forecast", 8, 3, 7, identities=tuple(f"N{i}" for i in range(6)))
    x = torch.randn(5, 8, 7)
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[:, 6] = False
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 0]]).expand(5, -1)
    results = []
    for fast in (False, True):
        torch.manual_seed(0)
        model = build_model("gnn", spec, {"dropout": 0.0}).train()
        monkeypatch.setenv("WORMGNN_COMPILE", "1" if fast else "0")
        with gnn.fused_path():
            out = model(x, mask, ids)
            (out ** 2).sum().backward()
            with torch.no_grad():
                evaluated = model.eval()(x[:3], mask[:3], ids[:3])
        results.append((out.detach(), evaluated, {k: p.grad.clone() for k, p in model.named_parameters()}))
    (eager, eager_eval, eager_grads), (fast, fast_eval, fast_grads) = results
    torch.testing.assert_close(fast, eager, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fast_eval, eager_eval, rtol=1e-4, atol=1e-5)
    assert (fast - eager).abs().max() > 0  # the compiled function ran (it sums in another order)
    for name, grad in eager_grads.items():
        torch.testing.assert_close(fast_grads[name], grad, rtol=1e-3, atol=1e-5, msg=name)
    assert gnn._FUSED is not None
    monkeypatch.setattr(gnn, "_FUSED", lambda *args: pytest.fail("compiled encoder used outside fused_path"))
    with torch.no_grad():  # outside the context (a one-off prediction): the eager reference
        torch.testing.assert_close(model.eval()(x[:3], mask[:3], ids[:3]), eager_eval, rtol=0, atol=0)
