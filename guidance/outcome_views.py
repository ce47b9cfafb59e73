"""The local authority's outcome pages (aggregates only, after disclosure control) and the careers
service's leavers' activity export (issue 15). Thin: the figures come from ``guidance.outcomes``."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required

from . import charts, forms, leavers_export, outcomes, services
from .views import guidance_view

AUTHORITY = (Role.LA_OFFICER,)


def _year_choice(request, *, latest: int, years: int = outcomes.TREND_YEARS) -> int:
    """The academic year asked for in ``?year=``, within the years the page offers; else the last
    completed one (its leavers left in the summer: this year's are still at school)."""
    value = request.GET.get("year", "")
    if value.isdigit() and latest - years < int(value) <= latest:
        return int(value)
    return latest - 1


def _figures(request):
    latest = outcomes.academic_year_of(clock.today(request.org))
    year = _year_choice(request, latest=latest)
    school = request.GET.get("school", "")
    figures = outcomes.authority_outcomes(
        authority=request.org, year=year, year_group=request.GET.get("year_group", "")[:20],
        school_id=int(school) if school.isdigit() else None)
    figures["years"] = [(y, outcomes.year_label(y)) for y in range(latest, latest - outcomes.TREND_YEARS, -1)]
    return figures


@org_role_required(*AUTHORITY)
def authority_outcomes(request):
    figures = _figures(request)
    audit_log("guidance.authority_outcomes_viewed", request=request)
    settings = figures["settings"]
    totals = figures["by_school"].table.column_totals
    return render(request, "guidance/authority_outcomes.html", {
        "f": figures,
        "destination_chart": charts.bar_chart(
            list(zip(figures["by_school"].column_labels, totals)),
            title=f"Destinations of {figures['year_label']} leavers across the authority"),
        "neet_chart": charts.bar_chart(
            [(row["label"], row["neet"]) for row in figures["trend_rates"]], title="NEET leavers, year on year",
            suffix="%", target=settings.neet_target_percent),
        "not_known_chart": charts.bar_chart(
            [(row["label"], row["not_known"]) for row in figures["trend_rates"]],
            title="Leavers whose activity is not known, year on year", suffix="%",
            target=settings.not_known_target_percent),
        "service_neet_chart": charts.bar_chart(
            [(row["label"], row["neet"]) for row in figures["service_rates"]],
            title=f"NEET leavers by careers service, {figures['year_label']}", suffix="%",
            target=settings.neet_target_percent),
        "service_referral_chart": charts.bar_chart(
            [(label, cells[0]) for label, cells, _ in figures["referrals"]["by_service"].rows],
            title=f"Referrals made by careers service, {figures['year_label']}"),
        "band_charts": [(band, charts.bar_chart(
            [(row["label"], row["neet"]) for row in band["years"]], title=f"NEET leavers {band['label'].lower()}, "
            "year on year", suffix="%", target=band["target"])) for band in figures["age_bands"]],
        "csv_query": request.GET.urlencode(),
    })


@org_role_required(*AUTHORITY)
def authority_outcomes_csv(request):
    figures = _figures(request)
    audit_log("guidance.authority_outcomes_export", request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{figures["year"]}.csv"'
    writer = csv.writer(response)
    for row in outcomes.outcomes_csv_rows(figures):
        writer.writerow([leavers_export.csv_safe(v) if isinstance(v, str) else v for v in row])
    return response


@org_role_required(*AUTHORITY)
def authority_outcome_settings(request):
    settings = outcomes.outcome_settings_get(authority=request.org)
    form = forms.OutcomeSettingsForm(request.POST or None, initial={
        name: getattr(settings, name) for name in forms.OutcomeSettingsForm.base_fields})
    if request.method == "POST" and form.is_valid():
        services.outcome_settings_update(authority=request.org, by=request.user, **form.cleaned_data)
        messages.success(request, "Outcome settings saved.")
        return redirect(reverse("guidance:authority_outcomes", kwargs={"org_slug": request.org.slug}))
    return render(request, "guidance/authority_outcome_settings.html", {"form": form})


@guidance_view(service_only=True)
def leavers_export_page(request):
    latest = outcomes.academic_year_of(clock.today(request.org))
    return render(request, "guidance/leavers_export.html", {
        "years": [(y, outcomes.year_label(y)) for y in range(latest, latest - outcomes.TREND_YEARS, -1)],
        "default_year": latest - 1,
        "codes": [(label, *leavers_export.NCCIS_ACTIVITY[value]) for value, label in outcomes.CATEGORIES],
        "scope": request.guidance,
    })


@guidance_view(service_only=True)
def leavers_export_csv(request):
    """One row per leaver of the service's CURRENT partner schools (individual records: the
    service's, through its partnerships; never offered to the authority)."""
    latest = outcomes.academic_year_of(clock.today(request.org))
    year = _year_choice(request, latest=latest)
    audit_log("guidance.leavers_export", request=request, data={"academic_year": year})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    csv.writer(response).writerows(
        leavers_export.rows(leavers_export.leavers(school_ids=request.guidance.org_ids, year=year)))
    response["Content-Disposition"] = f'attachment; filename="leavers-activity-{year}.csv"'
    return response
