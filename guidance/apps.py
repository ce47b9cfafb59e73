from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "guidance"
    verbose_name = "Careers guidance"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from .follow_up import person_saved

        # The NEET list's order keeps the learner's name (``follow_up.py``): a rename follows.
        pre_save.connect(person_saved, sender=get_user_model(), dispatch_uid="guidance_follow_up_name")
