"""What both graph models share: the decoder's dropout, pair lookups and the task heads."""

import torch

from wormgnn.models import TaskSpec, build_model
from wormgnn.models.decoder import Dropout, pair_lookup


def test_one_lookup_serves_a_batch_of_identical_neurons_and_gives_the_same_relations():
    table = torch.randn(5, 5, 2)
    same = torch.tensor([[1, 3, 0, 4]]).expand(6, -1)
    assert pair_lookup(table, same).shape == (1, 4, 4, 2)
    looked_up = pair_lookup(table, same).expand(6, -1, -1, -1)
    torch.testing.assert_close(looked_up, table[same[:, :, None], same[:, None, :]])
    mixed = torch.tensor([[1, 3, 0, 4], [3, 1, 4, 0]])
    assert pair_lookup(table, mixed).shape == (2, 4, 4, 2)
    torch.testing.assert_close(pair_lookup(table, mixed)[1, 0, 1], table[3, 1])


def test_dropout_keeps_the_expected_share_and_the_mean():
    torch.manual_seed(0)
    drop = Dropout(0.3).train()
    out = drop(torch.ones(200_000))
    assert abs(float((out == 0).float().mean()) - 0.3) < 0.01
    assert abs(float(out.mean()) - 1.0) < 0.01
    kept = (out != 0).float()
    # the four 16-bit lanes of a random word are independent: neighbours' masks uncorrelated
    assert abs(float(torch.corrcoef(torch.stack([kept[:-1], kept[1:]]))[0, 1])) < 0.01
    assert torch.allclose(out[out != 0], torch.tensor(65536 / (65536 - round(0.3 * 65536))))
    odd = torch.randn(3, 7, 5, requires_grad=True)  # not a multiple of four elements
    dropped = Dropout(0.5).train()(odd)
    dropped.sum().backward()
    assert dropped.shape == odd.shape and torch.equal(odd.grad == 0, dropped == 0)
    x = torch.randn(10)
    assert torch.equal(drop.eval()(x), x)


def test_graph_models_pass_their_settings_as_capabilities():
    spec = TaskSpec("forecast", 8, 2, 3, identities=("AVAL", "AVAR", "PVDL"))
    model = build_model("gnn-connectome", spec, {"train_neurons": 7, "unscored_weight": 0.5})
    assert model.train_neurons == 7 and model.unscored_weight == 0.5
    assert float(model.auxiliary_loss()) == 0.0
    behavior = build_model("gnn-connectome", TaskSpec("behavior", 8, 2, 3, identities=("AVAL", "AVAR", "PVDL")))
    x, mask, ids = torch.randn(4, 8, 3), torch.ones(4, 3, dtype=torch.bool), torch.arange(1, 4).expand(4, -1)
    assert model(x, mask, ids).shape == (4, 2, 3) and behavior(x, mask, ids).shape == (4, 7)
