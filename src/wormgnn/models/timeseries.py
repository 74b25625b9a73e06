"""Structure-agnostic forecasters from the time-series field: DLinear, PatchTST, TSMixer, TCN.

Each sees the same z-scored window as every other model and, like them, forecasts the change
from the last frame. None infers or is given a relation between two neurons: weights are
shared across neurons (DLinear, PatchTST: channel-independent) or mix all neurons in a fixed
order (TSMixer's feature mixing, the TCN's channels), as the MLP and the LSTM do. Each
declares a small ``grid`` that a run chooses from on its validation part (docs/method.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from wormgnn.models.base import TaskSpec, WormModel, register


def instance_scale(x: torch.Tensor, eps: float = 1e-2) -> tuple[torch.Tensor, torch.Tensor]:
    """Each neuron's window centred on its last frame and divided by its spread (RevIN's idea):
    the networks see shapes, not levels; their output is scaled back by the same spread."""
    last = x[:, -1:, :]
    spread = x.std(dim=1, keepdim=True).clamp_min(eps)
    return (x - last) / spread, spread


class ForecasterBase(WormModel):
    """Forecasts as changes per horizon and neuron scaled by the window's spread; for a
    window's class or value the window as it is (the level of AVA is what a reversal is)."""

    def scaled(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return instance_scale(x) if self.spec.per_neuron else (x, None)

    def to_forecast(self, change: torch.Tensor, x: torch.Tensor, spread: torch.Tensor) -> torch.Tensor:
        return x[:, -1:, :] + change * spread


@dataclass(frozen=True)
class DLinearConfig:
    kernel: int = 5
    """Moving-average length (frames) that splits a window into trend and remainder."""
    individual: bool = False
    """One pair of linear maps per neuron (True) or one shared by all neurons."""


def moving_average(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """Centred moving average over time ``(B, W, N)``, ends padded by repetition (DLinear's)."""
    if kernel <= 1:
        return x
    front, back = (kernel - 1) // 2, kernel // 2
    padded = torch.cat([x[:, :1].expand(-1, front, -1), x, x[:, -1:].expand(-1, back, -1)], dim=1)
    return padded.unfold(1, kernel, 1).mean(-1)


@register("dlinear", DLinearConfig, "forecast: DLinear (Zeng et al. 2023), trend and remainder each "
          "mapped linearly to the horizons, channel-independent")
class DLinear(ForecasterBase):
    grid: ClassVar[dict] = {"kernel": (3, 7), "individual": (False, True)}

    @classmethod
    def supports(cls, task) -> bool:
        return task.per_neuron

    def __init__(self, spec: TaskSpec, config: DLinearConfig):
        super().__init__(spec, config)
        maps = spec.n_neurons if config.individual else 1
        shape = (maps, spec.window, spec.horizon)
        self.trend = nn.Parameter(torch.zeros(shape))
        self.remainder = nn.Parameter(torch.zeros(shape))
        self.bias = nn.Parameter(torch.zeros(maps, spec.horizon))

    def forward(self, x, mask=None, ids=None):
        z, spread = instance_scale(x)
        trend = moving_average(z, self.config.kernel)
        rest = z - trend
        # (B, W, N) with (maps, W, H) → (B, N, H)
        change = (torch.einsum("bwn,nwh->bnh", trend, self.trend.expand(z.shape[2], -1, -1))
                  + torch.einsum("bwn,nwh->bnh", rest, self.remainder.expand(z.shape[2], -1, -1))
                  + self.bias)
        return self.to_forecast(change.transpose(1, 2), x, spread)


@dataclass(frozen=True)
class PatchTSTConfig:
    hidden: int = 32
    patch: int = 4
    """Frames a patch (patches do not overlap: at 16 frames a window, overlapping ones double
    the tokens, and a CPU step's cost with them; docs/method.md)."""
    layers: int = 1
    heads: int = 2
    dropout: float = 0.2


@register("patchtst", PatchTSTConfig, "PatchTST (Nie et al. 2023): a transformer over patches of each "
          "neuron's window, channel-independent (no attention between neurons)")
class PatchTST(ForecasterBase):
    grid: ClassVar[dict] = {"patch": (4, 8), "dropout": (0.1, 0.3)}

    def __init__(self, spec: TaskSpec, config: PatchTSTConfig):
        super().__init__(spec, config)
        patch = min(config.patch, spec.window)
        self.stride = self.patch = patch
        count = (spec.window - patch) // self.stride + 1
        heads = max(h for h in range(1, config.heads + 1) if config.hidden % h == 0)
        self.embed = nn.Linear(patch, config.hidden)
        self.position = nn.Parameter(torch.randn(count, config.hidden) * 0.02)
        layer = nn.TransformerEncoderLayer(config.hidden, heads, 2 * config.hidden, config.dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.drop = nn.Dropout(config.dropout)
        if spec.per_neuron:
            self.head = nn.Linear(count * config.hidden, spec.horizon)
        else:  # each neuron's pooled patches, side by side in the fixed neuron order
            self.head = nn.Linear(spec.n_neurons * config.hidden, self.output_size())

    def forward(self, x, mask=None, ids=None):
        z, spread = self.scaled(x)
        b, _, n = z.shape
        patches = z.transpose(1, 2).unfold(2, self.patch, self.stride)  # (B, N, P, patch)
        tokens = self.embed(patches.reshape(b * n, -1, self.patch)) + self.position
        encoded = self.encoder(tokens)  # (B·N, P, D)
        if self.spec.per_neuron:
            change = self.head(self.drop(encoded.flatten(1))).view(b, n, -1)
            return self.to_forecast(change.transpose(1, 2), x, spread)
        return self.head(self.drop(encoded.mean(1).reshape(b, -1)))


@dataclass(frozen=True)
class TSMixerConfig:
    hidden: int = 32
    """Width of the feature-mixing layer."""
    blocks: int = 2
    dropout: float = 0.2


class MixerBlock(nn.Module):
    """TSMixer's block: an MLP across time (shared by neurons), then one across neurons."""

    def __init__(self, window: int, neurons: int, hidden: int, dropout: float):
        super().__init__()
        self.time_norm, self.feature_norm = nn.LayerNorm(neurons), nn.LayerNorm(neurons)
        self.time = nn.Sequential(nn.Linear(window, window), nn.ReLU(), nn.Dropout(dropout))
        self.feature = nn.Sequential(nn.Linear(neurons, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, neurons), nn.Dropout(dropout))

    def forward(self, x):  # (B, W, N)
        x = x + self.time(self.time_norm(x).transpose(1, 2)).transpose(1, 2)
        return x + self.feature(self.feature_norm(x))


@register("tsmixer", TSMixerConfig, "TSMixer (Chen et al. 2023): MLPs mixing over time and over "
          "neurons in turn, then a linear map to the horizons")
class TSMixer(ForecasterBase):
    grid: ClassVar[dict] = {"blocks": (1, 2), "dropout": (0.1, 0.3)}

    def __init__(self, spec: TaskSpec, config: TSMixerConfig):
        super().__init__(spec, config)
        self.blocks = nn.Sequential(*(MixerBlock(spec.window, spec.n_neurons, config.hidden, config.dropout)
                                      for _ in range(config.blocks)))
        if spec.per_neuron:
            self.head = nn.Linear(spec.window, spec.horizon)
        else:
            self.head = nn.Sequential(nn.Dropout(config.dropout),
                                      nn.Linear(spec.window * spec.n_neurons, self.output_size()))

    def forward(self, x, mask=None, ids=None):
        z, spread = self.scaled(x)
        mixed = self.blocks(z)
        if self.spec.per_neuron:
            return self.to_forecast(self.head(mixed.transpose(1, 2)).transpose(1, 2), x, spread)
        return self.head(mixed.flatten(1))


@dataclass(frozen=True)
class TCNConfig:
    hidden: int = 32
    kernel: int = 3
    dropout: float = 0.2


class CausalBlock(nn.Module):
    """Two dilated causal convolutions with a residual (Bai et al. 2018)."""

    def __init__(self, channels_in: int, channels: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv1 = nn.Conv1d(channels_in, channels, kernel, dilation=dilation)
        self.conv2 = nn.Conv1d(channels, channels, kernel, dilation=dilation)
        self.drop = nn.Dropout(dropout)
        self.skip = nn.Conv1d(channels_in, channels, 1) if channels_in != channels else nn.Identity()

    def forward(self, x):  # (B, C, W)
        out = self.drop(torch.relu(self.conv1(nn.functional.pad(x, (self.pad, 0)))))
        out = self.drop(torch.relu(self.conv2(nn.functional.pad(out, (self.pad, 0)))))
        return torch.relu(out + self.skip(x))


@register("tcn", TCNConfig, "temporal convolution network (Bai et al. 2018): dilated causal "
          "convolutions over the window, all neurons as input channels")
class TCN(ForecasterBase):
    grid: ClassVar[dict] = {"kernel": (2, 3), "dropout": (0.1, 0.3)}

    def __init__(self, spec: TaskSpec, config: TCNConfig):
        super().__init__(spec, config)
        blocks, channels, dilation = [], spec.n_neurons, 1
        while True:  # dilations 1, 2, 4, … until the receptive field covers the window
            blocks.append(CausalBlock(channels, config.hidden, config.kernel, dilation, config.dropout))
            channels = config.hidden
            if 1 + 2 * (config.kernel - 1) * (2 * dilation - 1) >= spec.window:
                break
            dilation *= 2
        self.net = nn.Sequential(*blocks)
        self.head = nn.Linear(config.hidden, self.output_size())

    def forward(self, x, mask=None, ids=None):
        z, spread = self.scaled(x)
        out = self.head(self.net(z.transpose(1, 2))[:, :, -1])
        if self.spec.per_neuron:
            return self.to_forecast(out.view(out.shape[0], self.spec.horizon, -1), x, spread)
        return out


__all__ = ["DLinear", "PatchTST", "TCN", "TSMixer"]
