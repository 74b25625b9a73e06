"""Structure-agnostic models: persistence, linear (ridge / logistic), MLP, LSTM."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from wormgnn.models.base import TaskSpec, WormModel, register


@dataclass(frozen=True)
class NoConfig:
    pass


@register("persistence", NoConfig, "forecast: the last frame, repeated (the skill baseline)")
class Persistence(WormModel):
    trainable = False

    @classmethod
    def supports(cls, task) -> bool:
        return task.per_neuron

    def forward(self, x, mask=None, ids=None):
        return x[:, -1:, :].expand(-1, self.spec.horizon, -1)


@dataclass(frozen=True)
class LinearConfig:
    alphas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10000.0)
    """Ridge penalties tried for forecasting; the validation part picks one."""
    weight_decays: tuple[float, ...] = (1e-4, 1e-3, 1e-2)
    """L2 penalties tried for logistic regression; the validation part picks one."""


@register("linear", LinearConfig, "ridge regression (forecast) / multinomial logistic regression "
          "(behavior) on the flattened window")
class Linear(WormModel):
    """Fitted in closed form (ridge) or by full-batch L-BFGS (logistic), not by the SGD trainer.

    Both fits run on the CPU whatever the run's device: at W × N features they are small
    sequential problems, whose many tiny steps a GPU spends on kernel launches
    (docs/performance.md).
    """

    closed_form = True
    fit_device = "cpu"

    def __init__(self, spec: TaskSpec, config: LinearConfig):
        super().__init__(spec, config)
        self.head = nn.Linear(spec.window * spec.n_neurons, self.output_size())

    def forward(self, x, mask=None, ids=None):
        return self.finish(self.head(x.flatten(1)), x)

    @torch.no_grad()
    def _set(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        self.head.weight.copy_(weight)
        self.head.bias.copy_(bias)

    def fit_direct(self, train, val, class_weights: torch.Tensor | None) -> dict:
        if self.spec.output == "classes":
            return self._fit_logistic(train, val, class_weights)
        return self._fit_ridge(train, val)

    def _target(self, data) -> torch.Tensor:
        """What the ridge fits: changes from the last frame (forecast), or the value."""
        if self.spec.per_neuron:
            return (data.y - data.x[:, -1:, :]).flatten(1)
        return data.values[:, None]

    def _val_error(self, val) -> torch.Tensor:
        if self.spec.per_neuron:
            return ((self(val.x) - val.y) ** 2 * val.mask[:, None, :]).sum() / val.mask.sum()
        return ((self(val.x)[:, 0] - val.values) ** 2).mean()

    def _fit_ridge(self, train, val) -> dict:
        x = train.x.flatten(1).double()
        y = self._target(train).double()
        mean_x, mean_y = x.mean(0), y.mean(0)
        xc, yc = x - mean_x, y - mean_y
        gram, cross = xc.T @ xc, xc.T @ yc
        eye = torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
        best = None
        for alpha in self.config.alphas:
            w = torch.linalg.solve(gram + alpha * eye, cross)
            self._set(w.T.float(), (mean_y - mean_x @ w).float())
            with torch.no_grad():
                err = self._val_error(val)
            if best is None or err < best[0]:
                best = (float(err), alpha, w.T.float().clone(), (mean_y - mean_x @ w).float().clone())
        self._set(best[2], best[3])
        return {"alpha": best[1], "val_loss": best[0]}

    def _fit_logistic(self, train, val, class_weights) -> dict:
        loss_fn = nn.CrossEntropyLoss(weight=class_weights)
        x, y = train.x.flatten(1), train.labels
        best = None
        for decay in self.config.weight_decays:
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
            opt = torch.optim.LBFGS(self.head.parameters(), lr=1.0, max_iter=200,
                                    line_search_fn="strong_wolfe")

            def closure(opt=opt, decay=decay):
                opt.zero_grad()
                loss = loss_fn(self.head(x), y) + decay * self.head.weight.pow(2).sum()
                loss.backward()
                return loss

            opt.step(closure)
            with torch.no_grad():
                val_loss = float(loss_fn(self.head(val.x.flatten(1)), val.labels))
            if best is None or val_loss < best[0]:
                best = (val_loss, decay, {k: v.clone() for k, v in self.head.state_dict().items()})
        self.head.load_state_dict(best[2])
        return {"weight_decay": best[1], "val_loss": best[0]}


@dataclass(frozen=True)
class MLPConfig:
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2


@register("mlp", MLPConfig, "multilayer perceptron on the flattened window")
class MLP(WormModel):
    def __init__(self, spec: TaskSpec, config: MLPConfig):
        super().__init__(spec, config)
        blocks: list[nn.Module] = []
        width = spec.window * spec.n_neurons
        for _ in range(config.layers):
            blocks += [nn.Linear(width, config.hidden), nn.GELU(), nn.Dropout(config.dropout)]
            width = config.hidden
        blocks.append(nn.Linear(width, self.output_size()))
        self.net = nn.Sequential(*blocks)

    def forward(self, x, mask=None, ids=None):
        return self.finish(self.net(x.flatten(1)), x)


@dataclass(frozen=True)
class LSTMConfig:
    hidden: int = 128
    layers: int = 1
    dropout: float = 0.2


@register("lstm", LSTMConfig, "LSTM over the window's frames, all neurons as one input vector")
class LSTM(WormModel):
    def __init__(self, spec: TaskSpec, config: LSTMConfig):
        super().__init__(spec, config)
        self.rnn = nn.LSTM(spec.n_neurons, config.hidden, num_layers=config.layers, batch_first=True,
                           dropout=config.dropout if config.layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, self.output_size())

    def forward(self, x, mask=None, ids=None):
        out, _ = self.rnn(x)
        return self.finish(self.head(self.drop(out[:, -1])), x)


__all__ = ["LSTM", "MLP", "Linear", "Persistence"]
