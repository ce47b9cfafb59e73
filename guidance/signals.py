"""The guidance app's receivers: a person renamed keeps their place on the NEET lists
(``follow_up.person_saved``: the list sorts on a copy of the learner's name)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save

from .follow_up import person_saved

pre_save.connect(person_saved, sender=get_user_model(), dispatch_uid="guidance_follow_up_name")
