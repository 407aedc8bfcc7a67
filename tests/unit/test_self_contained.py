"""A clone passes its tests with nothing beside it: the data sets are in the repository, and no
tracked file reaches for a folder next to the checkout."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.collegemsg import COLLEGEMSG_FILE
from tests.support.datasets import DATASETS_DIR_ENV, REPO_ROOT, dataset_file, datasets_dir
from tests.support.email_eu import EDGES_FILE, LABELS_FILE

DATA = Path("tests") / "data"
# Every data-set file the suite reads, as (folder, file).
READ_BY_THE_SUITE = (COLLEGEMSG_FILE, EDGES_FILE, LABELS_FILE)
# Built from pieces so that this file does not name what it looks for.
OUTSIDE = ("..", "/shared")
FORBIDDEN = ("".join(OUTSIDE).encode(), ("shared" + "/datasets").encode())


def _tracked() -> list[str]:
    git = shutil.which("git")
    assert git is not None, "git is needed to list the tracked files"
    listed = subprocess.run(
        [git, "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    return [name.decode() for name in listed.split(b"\0") if name]


def test_no_tracked_file_refers_to_a_folder_beside_the_checkout() -> None:
    tracked = _tracked()
    assert "tests/conftest.py" in tracked  # the listing is the repository's
    offenders: list[str] = []
    for name in tracked:
        path = REPO_ROOT / name
        if Path(name).is_relative_to(DATA) or not path.is_file():
            continue  # data, and files deleted in the working tree but still in the index
        content = path.read_bytes()
        offenders += [f"{name}: {text.decode()}" for text in FORBIDDEN if text in content]
    assert offenders == []


def test_the_data_sets_are_found_inside_the_repository_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(DATASETS_DIR_ENV, raising=False)
    assert datasets_dir() == REPO_ROOT / DATA
    tracked = set(_tracked())
    for parts in READ_BY_THE_SUITE:
        path = dataset_file(*parts)
        assert path.resolve().is_relative_to(REPO_ROOT.resolve())
        assert path.relative_to(REPO_ROOT).as_posix() in tracked, f"{path} is not committed"


def test_an_empty_override_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # .env.example sets GROWTHGRAPH_DATASETS_DIR= (empty).
    monkeypatch.setenv(DATASETS_DIR_ENV, "")
    assert datasets_dir() == REPO_ROOT / DATA


def test_the_override_still_points_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder, name = COLLEGEMSG_FILE
    (tmp_path / folder).mkdir()
    copy = tmp_path / folder / name
    copy.write_bytes(dataset_file(*COLLEGEMSG_FILE).read_bytes())
    monkeypatch.setenv(DATASETS_DIR_ENV, str(tmp_path))
    assert datasets_dir() == tmp_path
    assert dataset_file(*COLLEGEMSG_FILE) == copy


@pytest.mark.parametrize(("folder", "name"), READ_BY_THE_SUITE)
def test_every_file_is_the_copy_its_readme_describes(
    monkeypatch: pytest.MonkeyPatch, folder: str, name: str
) -> None:
    monkeypatch.delenv(DATASETS_DIR_ENV, raising=False)
    readme = (REPO_ROOT / DATA / folder / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(dataset_file(folder, name).read_bytes()).hexdigest()
    assert f"| `{name}` |" in readme
    assert f"`{digest}`" in readme, f"{folder}/{name} does not match the sha256 in its README"
    for needed in ("**Original source.**", "**Licence.**", "**Cite", "## Verified counts"):
        assert needed in readme, f"{folder}/README.md has no {needed}"


def test_the_index_lists_every_data_set() -> None:
    index = (REPO_ROOT / DATA / "README.md").read_text(encoding="utf-8")
    folders = sorted(p.name for p in (REPO_ROOT / DATA).iterdir() if p.is_dir())
    assert folders == sorted({folder for folder, _ in READ_BY_THE_SUITE})
    for folder in folders:
        assert f"[`{folder}/`]({folder}/README.md)" in index
