"""The one check of user-given redirect targets."""

from __future__ import annotations

import pytest

from compliance.security import safe_next


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/\\\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http:/evil.example",
        "/\n/evil",
        "/\r/evil",
        "\t//evil.example",
        " //evil.example",
        "/\x00/evil.example",
        "/\u200b/evil.example",
        "/\u3000/evil.example",
        "javascript:alert(1)",
        "incidents",
    ],
)
def test_refuses_what_could_leave_the_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/incidents?page=2", "/processing/ivry?q=paie%20cantine"])
def test_keeps_a_path_on_this_site(target):
    assert safe_next(target) == target
