"""Forms of the keyworkers app; each takes ``org`` and scopes every choice queryset to it."""

from __future__ import annotations

import datetime
import re
import uuid

from django import forms

from learners.choices import TargetStatus
from plp_portal.forms import DateField, Form, ModelForm
from plp_portal.organisations.choices import STAFF_ROLES, Role
from plp_portal.organisations.selectors import member_users

from . import models as m
from .choices import Cadence, KeyWorkerType, TeamRole
from .models import ReviewSettings


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _staff_queryset(org):
    return member_users(org=org, roles=STAFF_ROLES)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.email} ({obj.email})"


class AssignForm(Form):
    key_worker = StaffChoiceField(label="Key worker", queryset=None)
    worker_type = forms.ChoiceField(label="They are the learner's", choices=KeyWorkerType.choices)
    starts_on = DateField(label="From", required=False, help_text="Leave empty for today.")
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_worker"].queryset = _staff_queryset(org)


class TeamMemberForm(Form):
    team_role = forms.ChoiceField(label="Role in the team", choices=TeamRole.choices)
    user = StaffChoiceField(label="Colleague with an account here", queryset=None, required=False)
    name = forms.CharField(label="Or their name", max_length=150, required=False,
                           help_text="For someone from another service.")
    contact = forms.CharField(label="Contact details", max_length=200, required=False)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff_queryset(org)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("user") and not cleaned.get("name", "").strip():
            self.add_error("name", "Choose a colleague or enter a name")
        return cleaned


class PreferenceForm(Form):
    preference = forms.CharField(label="The learner's preference, in their words", max_length=m.PREFERENCE_MAX,
                                 widget=_textarea(3))
    preferred_user = StaffChoiceField(label="Who they would like (if a colleague here)", queryset=None, required=False)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_user"].queryset = _staff_queryset(org)


class ScheduleOverrideForm(Form):
    cadence = forms.ChoiceField(
        label="Reviews for this learner",
        choices=[("", "As the organisation (default)"), *Cadence.choices], required=False,
    )
    interval_weeks = forms.IntegerField(label="Weeks between reviews", min_value=m.INTERVAL_WEEKS[0],
                                        max_value=m.INTERVAL_WEEKS[1], initial=4, required=False,
                                        help_text="Only for 'every so many weeks': from 1 to 26.")
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def clean_cadence(self):
        return self.cleaned_data["cadence"] or None  # None: as the organisation

    def clean_interval_weeks(self):
        return self.cleaned_data["interval_weeks"] or 4


class ReviewSettingsForm(ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["cadence", "interval_weeks", "remind_days_before", "escalate_after_days"]
        labels = {
            "cadence": "How often reviews are due",
            "interval_weeks": "Weeks between reviews",
            "remind_days_before": "Days of notice for reminders",
            "escalate_after_days": "Days overdue before the leads are told",
        }
        widgets = {"cadence": forms.RadioSelect}
        help_texts = {
            "interval_weeks": "Used when reviews are every so many weeks: from 1 to 26.",
            "remind_days_before": "From 0 to 60 days.",
            "escalate_after_days": "From 0 to 90 days.",
        }


EVALUATION_STATUSES = [("", "Not evaluated yet"), *[
    (s.value, s.label) for s in TargetStatus if s != TargetStatus.NOT_STARTED
]]
NEW_TARGET_ROWS = 3


class ReviewForm(Form):
    """The review form: text fields, an evaluation (status + note) per target, and up to
    ``NEW_TARGET_ROWS`` new short-term targets (more rows appear as drafts are saved)."""

    # The version of the draft the form was loaded from: a save from an older one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The version whose answers an autosave showed this page after refusing it: "Save draft"
    # (not the autosave) then keeps this page's answers, knowingly.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # This page's token (one per page load): a save from the page that saved last is not stale.
    tab = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)
    overall_progress = forms.CharField(label="Progress against the overall plan", required=False,
                                       max_length=m.PROGRESS_MAX, widget=_textarea(4))
    support = forms.CharField(label="Support that will help", required=False, max_length=m.SUPPORT_MAX,
                              widget=_textarea(3))
    learning_opportunities = forms.CharField(label="Learning opportunities that will help", required=False,
                                             max_length=m.OPPORTUNITIES_MAX, widget=_textarea(3))
    narrative_text = forms.CharField(
        label="Learning journey entry", required=False, max_length=m.NARRATIVE_MAX, widget=_textarea(4),
        help_text="Added to the learner's learning journey when you sign.",
    )
    next_review_on = DateField(label="Next review date", required=False, not_before_today=True)

    def __init__(self, *args, org, review, target_rows, new_targets, long_term, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        for name in ("overall_progress", "support", "learning_opportunities", "narrative_text", "next_review_on",
                     "version"):
            initial.setdefault(name, getattr(review, name))
        initial.setdefault("tab", uuid.uuid4().hex)
        super().__init__(*args, initial=initial, **kwargs)
        self.review = review
        self.target_rows = []
        for target, evaluation in target_rows:
            s_name, n_name = f"eval_{target.pk}_status", f"eval_{target.pk}_note"
            self.fields[s_name] = forms.ChoiceField(label="Status", choices=EVALUATION_STATUSES, required=False,
                                                    initial=evaluation.status if evaluation else "")
            self.fields[n_name] = forms.CharField(label="Note", required=False, max_length=m.EVALUATION_NOTE_MAX,
                                                  widget=_textarea(2), initial=evaluation.note if evaluation else "")
            self.target_rows.append((target, self[s_name], self[n_name]))
        parents = [("", "No long-term target")] + [(str(t.pk), t.title) for t in long_term]
        self.long_term = {str(t.pk): t for t in long_term}
        self.new_rows = []
        # As many rows as the saved draft needs plus one, and as many as were posted (a form
        # rebound after someone else's save keeps every row the person wrote).
        posted = [int(k.split("_")[1]) + 1 for k in (self.data or {}) if re.fullmatch(r"new_\d{1,2}_title", k)]
        count = max(NEW_TARGET_ROWS, len(new_targets) + 1, *posted)
        for i in range(count):
            draft = new_targets[i] if i < len(new_targets) else None
            names = [f"new_{i}_title", f"new_{i}_due_on", f"new_{i}_parent", f"new_{i}_criteria"]
            self.fields[names[0]] = forms.CharField(label="Target", max_length=300, required=False,
                                                    initial=draft.title if draft else "")
            self.fields[names[1]] = DateField(label="Due by", required=False, not_before_today=True,
                                              initial=draft.due_on if draft else None)
            self.fields[names[2]] = forms.ChoiceField(label="A step towards", choices=parents, required=False,
                                                      initial=str(draft.parent_id) if draft and draft.parent_id else "")
            self.fields[names[3]] = forms.CharField(label="What success looks like", required=False,
                                                    max_length=m.SUCCESS_CRITERIA_MAX,
                                                    initial=draft.success_criteria if draft else "")
            self.new_rows.append([self[n] for n in names])

    def clean(self):
        cleaned = super().clean()
        for i, (title, due_on, _parent, _criteria) in enumerate(self.new_rows):
            if cleaned.get(title.name) and not cleaned.get(due_on.name):
                self.add_error(due_on.name, "Enter the date the new target is due by")
            if cleaned.get(due_on.name) and not cleaned.get(title.name):
                self.add_error(title.name, "Enter the new target")
        if cleaned.get("version") is None and "version" not in self.errors:
            self.add_error(None, "This page is out of date: open the review again, then save")
        next_on = cleaned.get("next_review_on")
        if next_on and next_on <= (self.review.held_on or datetime.date.min):
            self.add_error("next_review_on", "Enter a next review date after the day of this review "
                                             f"({self.review.held_on:%-d/%-m/%Y})")
        return cleaned

    def service_arguments(self):
        """(fields, evaluations, new_targets) for ``services.review_save_draft``."""
        c = self.cleaned_data
        fields = {name: c.get(name) for name in
                  ("overall_progress", "support", "learning_opportunities", "narrative_text", "next_review_on")}
        fields = {k: (v if v is not None or k == "next_review_on" else "") for k, v in fields.items()}
        evaluations = {
            target.pk: (c.get(status.name) or "", c.get(note.name) or "") for target, status, note in self.target_rows
        }
        new_targets = []
        for title, due_on, parent, criteria in self.new_rows:
            if c.get(title.name):
                new_targets.append({
                    "title": c[title.name], "due_on": c[due_on.name],
                    "parent": self.long_term.get(c.get(parent.name) or ""),
                    "success_criteria": c.get(criteria.name) or "",
                })
        return fields, evaluations, new_targets


class CancelForm(Form):
    reason = forms.CharField(label="Why is this review cancelled?", max_length=m.CANCEL_REASON_MAX,
                             widget=_textarea(3))


class AmendForm(Form):
    text = forms.CharField(label="Amendment", max_length=m.AMENDMENT_MAX, widget=_textarea(3),
                           help_text="Added to the learning journey as a new entry; the signed review does not change.")


class PrepareForm(Form):
    # When the answers were last saved, as the page saw it: a save from an older page is refused.
    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    learned = forms.CharField(label="What I learned", required=False, max_length=m.PREP_MAX, widget=_textarea(4))
    enjoyed = forms.CharField(label="What I enjoyed", required=False, max_length=m.PREP_MAX, widget=_textarea(4))
    found_hard = forms.CharField(label="What I found hard", required=False, max_length=m.PREP_MAX,
                                 widget=_textarea(4))


class KeyWorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


class MyPreferenceForm(Form):
    """The learner says who they would like as their key worker (seed 004: "an element of
    personal choice over their personal adviser")."""

    preferred_user = KeyWorkerChoiceField(label="Who would you like as your key worker?", queryset=None,
                                          required=False, empty_label="I do not mind",
                                          help_text="You can choose one of the key workers at your school.")
    preference = forms.CharField(label="Tell us why, or who else", max_length=m.PREFERENCE_MAX, required=False,
                                 widget=_textarea(3),
                                 help_text="For example: someone you get on with, or a man or a woman.")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_user"].queryset = member_users(org=org, roles=[Role.KEY_WORKER])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("preferred_user") and not cleaned.get("preference", "").strip() and not self.errors:
            self.add_error("preferred_user", "Choose a key worker, or tell us why or who else")
        return cleaned
