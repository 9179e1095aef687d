"""The kernel's form pieces: the quick select renders what WTForms' select renders."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField, SelectMultipleField

from compliance.forms import QuickSelectField, QuickSelectMultipleField

# The app's forms pass (value, label) tuples, as here (WTForms 3.3 warns of its 3.4).
pytestmark = pytest.mark.filterwarnings("ignore:Passing SelectField choices:DeprecationWarning")
CHOICES = [("", "— Choisir —"), ("1", 'Ivry "sur" <Seine>'), ("2", "Gentilly & co"), ("3", "")]


def test_the_quick_select_writes_the_same_html_as_wtforms():
    class Plain(Form):
        one = SelectField(choices=CHOICES)
        many = SelectMultipleField(choices=CHOICES)

    class Quick(Form):
        one = QuickSelectField(choices=CHOICES)
        many = QuickSelectMultipleField(choices=CHOICES)

    for data in ({}, {"one": "2", "many": ["1", "3"]}):
        plain, quick = Plain(data=data), Quick(data=data)
        assert quick.one() == plain.one()
        assert quick.many() == plain.many()
        assert quick.one(class_="wide", required=True) == plain.one(class_="wide", required=True)
    assert "&lt;Seine&gt;" in Quick().one() and "&#34;sur&#34;" in Quick().one()
    assert '<option selected value="2">' in Quick(data={"one": "2"}).one()


def test_an_option_with_its_own_attributes_is_left_to_wtforms():
    class Quick(Form):
        one = QuickSelectField(choices=[("1", "Un", {"disabled": True}), ("2", "Deux")])

    html = Quick().one()
    assert '<option disabled value="1">Un</option>' in html
    assert '<option value="2">Deux</option>' in html
