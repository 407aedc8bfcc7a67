"""Where the shared SNAP data sets live, for tests that use real networks.

The data sit beside the repository (``<repo>/../shared/datasets``) rather than in it; the
``GROWTHGRAPH_DATASETS_DIR`` environment variable points elsewhere, e.g. in CI.
A missing file raises ``FileNotFoundError`` so the tests that need it fail loudly instead of
skipping and hiding the gap.
"""

from __future__ import annotations

import os
from pathlib import Path

DATASETS_DIR_ENV = "GROWTHGRAPH_DATASETS_DIR"

_REPO_ROOT = Path(__file__).resolve().parents[2]


def datasets_dir() -> Path:
    """``$GROWTHGRAPH_DATASETS_DIR`` if set, else ``<repo>/../shared/datasets``."""
    override = os.environ.get(DATASETS_DIR_ENV)
    return Path(override) if override else _REPO_ROOT.parent / "shared" / "datasets"


def dataset_file(*parts: str) -> Path:
    """The path of one data-set file, which must exist."""
    path = datasets_dir().joinpath(*parts)
    if not path.is_file():
        message = f"data set file {path} is missing (set {DATASETS_DIR_ENV} to its folder)"
        raise FileNotFoundError(message)
    return path
