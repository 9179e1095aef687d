"""Fixtures shared by the kernel's document tests: a shipped-templates folder and an instance
folder, both in tmp_path."""

from __future__ import annotations

import pytest

from compliance import documents
from tests.compliance.test_documents import NAME, build_template


@pytest.fixture
def word_folder(tmp_path, monkeypatch):
    """The shipped templates folder and the instance folder, both in tmp_path."""
    folder = tmp_path / "word"
    folder.mkdir()
    (folder / f"{NAME}.docx").write_bytes(build_template())
    monkeypatch.setattr(documents, "TEMPLATE_FOLDER", folder)
    return folder


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    path = tmp_path / "instance"
    path.mkdir()
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(path))
    return path
