"""Where the SNAP data sets live, for tests that use real networks.

The data are part of the repository, under ``tests/data`` (one folder per data set, each with a
README giving its source, citation, licence and counts), so a clone needs nothing beside it. The
``GROWTHGRAPH_DATASETS_DIR`` environment variable points the tests at another folder with the same
layout. A missing file raises ``FileNotFoundError`` so the tests that need it fail loudly instead of
skipping and hiding the gap.
"""

from __future__ import annotations

import os
from pathlib import Path

DATASETS_DIR_ENV = "GROWTHGRAPH_DATASETS_DIR"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASETS_DIR = REPO_ROOT / "tests" / "data"


def datasets_dir() -> Path:
    """``$GROWTHGRAPH_DATASETS_DIR`` if set (and not empty), else ``<repo>/tests/data``."""
    override = os.environ.get(DATASETS_DIR_ENV)
    return Path(override) if override else DEFAULT_DATASETS_DIR


def dataset_file(*parts: str) -> Path:
    """The path of one data-set file, which must exist."""
    path = datasets_dir().joinpath(*parts)
    if not path.is_file():
        message = f"data set file {path} is missing (set {DATASETS_DIR_ENV} to its folder)"
        raise FileNotFoundError(message)
    return path
