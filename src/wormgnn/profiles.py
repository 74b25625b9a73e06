"""Named bundles of protocol settings: ``quick`` to try things, ``paper`` to publish numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from wormgnn.errors import WormGnnError


@dataclass(frozen=True)
class Profile:
    name: str
    seeds: int
    max_epochs: int
    patience: int
    train_stride: int
    """Per-neuron tasks (forecasting): adjacent windows are nearly identical, every k-th one
    trains as well."""
    behavior_train_stride: int = 1
    """Tasks about a window's frame (behavior): every window. States switch within a frame or
    two, and a stride drops most of the windows at the switches (chosen on validation loss,
    docs/method.md)."""
    splits: tuple[str, ...] = ("lowo",)
    models: tuple[str, ...] = ("persistence", "linear", "mlp", "lstm", "gnn")
    window: int = 16
    horizon: int = 8
    batch_size: int = 128
    lr: float = 1e-3
    finetune_lr: float = 5e-4
    model_overrides: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return asdict(self)

    def train_config(self, device: str = "cpu", precision: str = "fp32", lr: float | None = None):
        """The trainer's settings under this profile (one place for every caller)."""
        from wormgnn.train import TrainConfig

        return TrainConfig(lr=lr or self.lr, batch_size=self.batch_size, max_epochs=self.max_epochs,
                           patience=self.patience, device=device, precision=precision)


PROFILES = {
    "quick": Profile("quick", seeds=1, max_epochs=6, patience=2, train_stride=4, behavior_train_stride=4, lr=3e-3,
                     model_overrides={"hidden": 32}),
    # 50 epochs: at 30 the gnn forecaster never early-stopped (best epoch 26–30 in all 15 runs)
    "paper": Profile("paper", seeds=3, max_epochs=50, patience=5, train_stride=3, lr=2e-3),
    "tiny": Profile("tiny", seeds=1, max_epochs=2, patience=1, train_stride=8, behavior_train_stride=8,
                    model_overrides={"hidden": 16}),
}


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise WormGnnError(f"--profile {name}: unknown profile (known: {', '.join(PROFILES)})")
    return PROFILES[name]
