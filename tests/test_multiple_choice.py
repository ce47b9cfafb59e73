"""Every multiple-choice field of every form in the project renders as a group of checkboxes
and keeps every value posted (a field helper once rendered them all as radio buttons, which
kept one answer and passed every other test).

Form classes are found by walking each app's ``forms`` module, so a new form is covered without
editing this file."""

import copy
import importlib
import inspect
import re

import pytest
from django import forms
from django.template.loader import render_to_string

from plp_portal.forms import Form

FORM_MODULES = ["plp_portal.organisations.forms", "learners.forms", "keyworkers.forms",
                "guidance.forms", "careersplan.forms"]


def multiple_choice_fields():
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module_name:
                continue
            for field_name, field in cls.base_fields.items():
                if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
                    found.append((f"{cls.__name__}.{field_name}", field_name, field))
    return found


FIELDS = multiple_choice_fields()


def test_the_walk_finds_the_projects_multiple_choice_fields():
    names = {name for name, _f, _field in FIELDS}
    assert "LogEntryForm.ecm_outcomes" in names or any(n.startswith("LogEntryForm.") for n in names)
    assert any(n.startswith("PartnershipForm.") for n in names)
    assert len(FIELDS) >= 6


def _probe_form(field_name, field):
    """A form with just this field, with three choices of its own (a model field's queryset is
    set per organisation in its form's __init__; what is tested here is the widget's round trip)."""
    probe = copy.deepcopy(field)
    choices = [("first", "First"), ("second", "Second"), ("third", "Third")]
    if isinstance(probe, forms.ModelMultipleChoiceField):
        probe = forms.MultipleChoiceField(label=field.label, required=field.required,
                                          widget=type(field.widget)(), help_text=field.help_text)
    probe.choices = choices
    probe.widget.choices = choices
    return type("Probe", (Form,), {field_name: probe})


@pytest.mark.parametrize("qualified,field_name,field", FIELDS, ids=[q for q, _n, _f in FIELDS])
def test_multiple_choice_field_renders_checkboxes_and_keeps_two_answers(qualified, field_name, field):
    assert isinstance(field.widget, forms.CheckboxSelectMultiple), (
        f"{qualified}: a multiple-choice field uses CheckboxSelectMultiple (GOV.UK checkboxes)")
    probe = _probe_form(field_name, field)
    html = render_to_string("includes/field.html", {"field": probe(data={field_name: ["first", "third"]})[field_name]})
    inputs = re.findall(r"<input[^>]*>", html)
    assert len(inputs) == 3 and all('type="checkbox"' in i for i in inputs), html
    assert not re.search(r'type="radio"', html)
    checked = [re.search(r'value="([^"]*)"', i).group(1) for i in inputs if " checked" in i]
    assert checked == ["first", "third"]

    bound = probe(data={field_name: ["first", "third"]})
    assert bound.is_valid(), bound.errors
    assert list(bound.cleaned_data[field_name]) == ["first", "third"]
