import pytest

from wormgnn.errors import WormGnnError
from wormgnn.profiles import PROFILES, get_profile


def test_paper_profile_trains_behavior_on_every_window_and_forecasts_on_a_stride():
    from wormgnn.tasks import get_task

    paper = get_profile("paper")
    assert get_task("behavior").train_stride(paper) == 1
    assert get_task("forecast").train_stride(paper) == paper.train_stride > 1


def test_train_config_carries_the_profile_settings():
    quick = get_profile("quick")
    cfg = quick.train_config(device="cpu", lr=1e-4)
    assert (cfg.lr, cfg.max_epochs, cfg.patience, cfg.batch_size) == (1e-4, quick.max_epochs, quick.patience,
                                                                      quick.batch_size)
    assert quick.train_config().lr == quick.lr


def test_unknown_profile_is_refused_with_the_known_ones():
    with pytest.raises(WormGnnError, match="unknown profile.*" + ", ".join(PROFILES)):
        get_profile("fast")
