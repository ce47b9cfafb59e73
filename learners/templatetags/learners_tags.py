from django import template

from learners.choices import EcmOutcome

register = template.Library()
_ECM = dict(EcmOutcome.choices)


@register.filter
def ecm_label(code):
    return _ECM.get(code, code)
