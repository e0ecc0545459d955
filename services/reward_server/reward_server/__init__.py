"""Reward server: FastAPI in front of batched scorers (thinking judge, outcome verifier)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sophia-reward-infra")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
