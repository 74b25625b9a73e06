"""Simulated worms whose true couplings are known."""

from wormgnn.sim.simulator import SimulationConfig, simulate

__all__ = ["SimulationConfig", "simulate"]
