"""The organisation admin's MIS import pages. Every page is the admin's only; runs are looked
up within the organisation (another organisation's run is a 404, like a missing one)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.contrib.auth import login
from django.core.cache import cache

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required, public_view
from plp_portal.queue import enqueue_on_commit
from plp_portal.clientip import client_address

from . import selectors, services
from .choices import ImportKind, JobKind, JobStatus, Outcome, RunStatus
from .forms import (AssignForm, ColumnsForm, ConfirmForm, RolloverConfirmForm, RolloverForm, SheetForm,
                    SignInCodeForm, UploadForm)
from .parsing import FileProblem

PAGE_SIZE = 50
POLL_SECONDS = 2

admin_only = org_role_required(Role.ORG_ADMIN)


def _kind(kind: str) -> str:
    if kind not in ImportKind.values:
        raise Http404
    return kind


def _posted(request, *, files=False) -> tuple:
    """A form's data: bound on every POST, even an empty one (``request.POST or None`` would
    leave an empty post unbound and so never show its errors)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _start_preview(request, run):
    if len(run.rows) <= services.SYNC_ROWS:
        services.import_run_preview(org=request.org, run=run)
    else:
        enqueue_on_commit("onboarding.preview", run.pk)


@admin_only
def index(request):
    page = Paginator(selectors.import_run_list(org=request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/index.html", {
        "page": page, "kinds": ImportKind.choices,
        "groups": selectors.tutor_group_count(org=request.org), "jobs": selectors.setup_jobs_recent(org=request.org)})


@admin_only
def upload(request, kind):
    kind = _kind(kind)
    form = UploadForm(*_posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            run = services.import_run_create(org=request.org, kind=kind, preset=form.cleaned_data["preset"],
                                             file_name=upload_file.name, data=upload_file.read(), by=request.user)
        except FileProblem as problem:
            form.add_error("file", str(problem))
        else:
            if run.status == RunStatus.NEEDS_COLUMNS:
                return redirect("onboarding:run_columns", org_slug=request.org.slug, run_id=run.pk)
            _start_preview(request, run)
            return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)
    return render(request, "onboarding/upload.html", {"form": form, "kind": kind,
                                                      "kind_label": ImportKind(kind).label})


@admin_only
def run_columns(request, run_id):
    run = selectors.import_run_get(org=request.org, run_id=run_id)
    if run.status not in (RunStatus.NEEDS_COLUMNS, RunStatus.READY):
        return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)
    form = ColumnsForm(*_posted(request), kind=run.kind, header=run.header, initial_columns=run.columns)
    if request.method == "POST" and form.is_valid():
        run = services.import_run_set_columns(org=request.org, run=run, by=request.user, columns=form.columns())
        if run.status == RunStatus.PREVIEWING:
            _start_preview(request, run)
            return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)
        form.add_error(None, "Choose a column for each field that is not marked optional")
    return render(request, "onboarding/columns.html", {"form": form, "run": run})


@admin_only
def run_detail(request, run_id):
    run = selectors.import_run_get(org=request.org, run_id=run_id)
    context = {"run": run, "poll_seconds": POLL_SECONDS}
    if request.htmx and run.is_active:
        return render(request, "onboarding/partials/progress.html", context)
    if request.htmx:
        # Finished while the page polled: the whole page shows the result.
        response = render(request, "onboarding/partials/progress.html", context)
        response["HX-Refresh"] = "true"
        return response
    outcome = request.GET.get("outcome", "")
    if outcome not in Outcome.values:
        outcome = Outcome.ERROR if run.count(Outcome.ERROR) else ""
    items = [i for i in run.preview if not outcome or i["outcome"] == outcome]
    context.update({
        "outcome": outcome, "outcome_label": Outcome(outcome).label if outcome else "All rows",
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "confirm_form": ConfirmForm(kind=run.kind) if run.status == RunStatus.READY else None,
    })
    return render(request, "onboarding/run.html", context)


@require_POST
@admin_only
def run_apply(request, run_id):
    run = selectors.import_run_get(org=request.org, run_id=run_id)
    form = ConfirmForm(request.POST, kind=run.kind)
    if not form.is_valid():  # a boolean: only a hostile post gets here
        return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)
    try:
        run = services.import_run_confirm(org=request.org, run=run, by=request.user,
                                          end_missing=form.cleaned_data["end_missing"])
    except services.ImportError_ as error:
        messages.error(request, str(error))
        return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)
    if len(run.rows) <= services.SYNC_ROWS:
        services.import_run_apply(org=request.org, run=run)
        messages.success(request, f"{run.file_name} is imported.")
    else:
        enqueue_on_commit("onboarding.apply", run.pk)
    return redirect("onboarding:run", org_slug=request.org.slug, run_id=run.pk)


@require_POST
@admin_only
def run_discard(request, run_id):
    run = selectors.import_run_get(org=request.org, run_id=run_id)
    try:
        services.import_run_discard(org=request.org, run=run, by=request.user)
        messages.success(request, f"{run.file_name} was discarded: nothing was imported from it.")
    except services.ImportError_ as error:
        messages.error(request, str(error))
    return redirect("onboarding:index", org_slug=request.org.slug)


@admin_only
def key_workers(request):
    """Tutor groups → key-worker assignments, in one confirmed step."""
    plans = services.tutor_groups_plan(org=request.org)
    form = AssignForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        job = services.setup_job_start(org=request.org, kind=JobKind.KEY_WORKERS, params={}, by=request.user,
                                       size=sum(p.to_change for p in plans))
        return _job_answer(request, job, back="onboarding:key_workers")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/key_workers.html", {
        "page": page, "form": form, "to_change": sum(p.to_change for p in plans),
        "already": sum(p.already for p in plans)})


@admin_only
def rollover(request):
    """Year rollover: choose the date and the leaving year groups (a GET form: nothing is
    written), see what would change, then confirm (POST)."""
    posted = None
    if request.method == "POST":
        posted = RolloverConfirmForm(request.POST)
        if posted.is_valid():
            data = posted.cleaned_data
            plan = services.rollover_plan(org=request.org, starts_on=data["starts_on"],
                                          leaving_years=data["leaving_years"])
            job = services.setup_job_start(
                org=request.org, kind=JobKind.ROLLOVER, by=request.user,
                size=len(plan.profiles) + (len(plan.leavers) if data["end_leavers"] else 0),
                params={"starts_on": data["starts_on"].isoformat(), "leaving_years": data["leaving_years"],
                        "end_leavers": data["end_leavers"]})
            return _job_answer(request, job, back="onboarding:rollover")
    form = RolloverForm(request.GET if "starts_on" in request.GET else None)
    plan = None
    if form.is_bound and form.is_valid():
        plan = services.rollover_plan(org=request.org, starts_on=form.cleaned_data["starts_on"],
                                      leaving_years=form.cleaned_data["leaving_years"])
    return render(request, "onboarding/rollover.html", {
        "form": form, "posted": posted, "plan": plan, "confirm_form": RolloverConfirmForm() if plan else None,
        "leavers": Paginator(plan.leavers, PAGE_SIZE).get_page(request.GET.get("page")) if plan else None,
        "done": selectors.rollover_list(org=request.org)})


def _job_answer(request, job, *, back: str):
    """After a confirmation: a job done while the admin waited says so on the page they came
    from; a queued or running one goes to its progress page."""
    if job.status == JobStatus.DONE:
        messages.success(request, job.message)
    elif job.status == JobStatus.FAILED:
        messages.error(request, job.message)
    else:
        return redirect("onboarding:job", org_slug=request.org.slug, job_id=job.pk)
    return redirect(back, org_slug=request.org.slug)


@admin_only
def job_detail(request, job_id):
    """A set-up job's progress (polled by htmx; a meta refresh without JavaScript) and result."""
    job = selectors.setup_job_get(org=request.org, job_id=job_id)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        response = render(request, "onboarding/partials/job_progress.html", context)
        if not job.is_active:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "onboarding/job.html", context)


@admin_only
def invitations(request):
    """Invitations for imported staff and pupils with a school email: send the next batch,
    withdraw the open ones (to resend: withdraw, then send), and who has not accepted."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "send":
            sent = services.invitations_send_batch(org=request.org, by=request.user)
            messages.success(request, f"{sent} invitation{'s' if sent != 1 else ''} will be emailed, "
                                      f"at most {settings.PLP_INVITATIONS_PER_MINUTE} a minute.")
        elif action == "withdraw":
            withdrawn = services.invitations_withdraw_open(org=request.org, by=request.user)
            messages.success(request, f"{withdrawn} invitation{'s' if withdrawn != 1 else ''} withdrawn.")
        return redirect("onboarding:invitations", org_slug=request.org.slug)
    page = Paginator(services.invitations_not_accepted(org=request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/invitations.html", {
        "page": page, "pending": services.invitations_pending_count(org=request.org),
        "batch": services.INVITE_BATCH, "per_minute": settings.PLP_INVITATIONS_PER_MINUTE,
        "last_send_at": services.invitations_last_send_at(org=request.org)})


@admin_only
def sign_in_sheet(request):
    """A printable class sheet of one-time codes for pupils without an email address. The codes
    are shown once, on the answer to the POST, and never stored (only their HMAC)."""
    groups = services.tutor_groups_of_pupils(org=request.org)
    form = SheetForm(*_posted(request), groups=groups)
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["tutor_group"]
        sheet = services.sign_in_codes_issue(org=request.org, tutor_group=group, by=request.user)
        response = render(request, "onboarding/sign_in_sheet_print.html", {"sheet": sheet, "group": group})
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "onboarding/sign_in_sheet.html", {"form": form, "groups": groups})


CODE_ATTEMPTS = 10
CODE_WINDOW_SECONDS = 15 * 60


@public_view("a pupil's first sign-in: the one-time code from the class sheet is the grant")
def sign_in_code(request):
    """A pupil with a code from their class sheet chooses a password and is signed in. Ten
    tries per address every fifteen minutes."""
    form = SignInCodeForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        key = f"onboarding:code-tries:{client_address(request)}"
        tries = cache.get_or_set(key, 0, CODE_WINDOW_SECONDS)
        if tries >= CODE_ATTEMPTS:
            form.add_error("code", "Too many tries. Wait 15 minutes, or ask your tutor for help")
        else:
            try:
                user = services.sign_in_code_redeem(code=form.cleaned_data["code"],
                                                    password=form.cleaned_data["password1"])
            except services.SignInCodeError as error:
                cache.set(key, tries + 1, CODE_WINDOW_SECONDS)
                form.add_error("code", str(error))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Your password is set. Next time, sign in with {user.email} and it.")
                return redirect("home")
    return render(request, "onboarding/sign_in_code.html", {"form": form})
