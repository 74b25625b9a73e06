"""Recordings and the readers that make them."""

from wormgnn.data.loader import load
from wormgnn.data.recording import Recording, canonical_name, shared_names

__all__ = ["Recording", "canonical_name", "load", "shared_names"]
