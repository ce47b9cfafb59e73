"""Bounded values, one way for every app's models: free text with a maximum length that the
form, the model and the database all check (``limited_text`` for the field, ``text_limit`` for
its database constraint), and a number or a date between two bounds (``within``)."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def limited_text(verbose_name=None, *, max_length: int, **kwargs) -> models.TextField:
    """Free text of at most ``max_length`` characters (pair it with a ``text_limit``)."""
    return models.TextField(verbose_name, validators=[MaxLengthValidator(max_length)], **kwargs)


def text_limit(field: str, max_length: int, *, name: str) -> models.CheckConstraint:
    """The database's check of a ``limited_text`` field."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), max_length), name=name)


def within(field: str, low, high, *, name: str) -> models.CheckConstraint:
    """``field`` is between ``low`` and ``high``, both included."""
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name)
