"""wormgnn: machine learning on whole-brain C. elegans activity."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wormgnn")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

from wormgnn.api import Model, benchmark  # noqa: E402
from wormgnn.data import Recording, load  # noqa: E402

__all__ = ["Model", "Recording", "__version__", "benchmark", "load"]
