"""The positive half of the permission matrix (issue 12; pretix's way): for every URL pattern
(name "namespace:name", the patterns tests/test_crawl.py discovers), the answer each role gets on
GET with its OWN organisation's objects. Checked by tests/test_permission_matrix.py; a URL
pattern without a row fails that test.

A row is ``POST_ONLY`` (the view answers 405 to a GET, whoever asks) or a dict role → status,
named once below (``PLAN_STAFF``, ``LEAD_AND_ADMIN``, …) and given to every page it governs;
a role NOT in the dict must be refused: 403, 404 or a redirect to sign-in/MFA — never a 200,
never a 5xx. ``linked(status)`` (``access(link=…)``) marks a role that reaches the page only
through a link to the object, which the test's world builds (and a twin of the same role without
the link is refused — checked too):

- learner: the plan is theirs (``LearnerProfile.user``);
- parent/carer: the learner shared the plan with them (an active ``PlanShare``);
- key worker: they are the learner's current key worker (``KeyWorkerAssignment``);
- careers adviser: their careers service's partnership was ACCEPTED by the school (an adviser of
  a service whose proposal the school has not decided is refused);
- careers lead: a peer school's lead granted them review of its annual careers plan;
- local authority officer: the school's ``parent`` is their authority.

The worlds: every role but two is a member of a school; the careers adviser is a member of a
careers service, the local authority officer of a local authority (their organisation's pages
take their organisation's objects). The organisation admin is a school's (a careers service's
admin shares the adviser's service pages: guidance/tests).
"""

from plp_portal.organisations.choices import Role

POST_ONLY = "POST only"


def linked(status):
    """The answer of a role that reaches the page only through its link to the object."""
    return ("linked", status)


def access(*roles, status=200, link=()):
    """A row: ``status`` for each of ``roles``, ``linked(status)`` for each role in ``link``."""
    return {**{role: status for role in roles}, **{role: linked(status) for role in link}}


def answering(status, row):
    """``row``'s roles, through the same links, answered ``status`` instead: 302 for a GET that
    starts a render, 405 for the GET of a POST handler."""
    return {role: linked(status) if isinstance(want, tuple) else status for role, want in row.items()}


def everyone(status):
    return access(*Role, status=status)


LEADS = (Role.CAREERS_LEAD, Role.ORG_ADMIN)
# The working staff, who see every learner of the organisation (learners.permissions).
WORKING_STAFF = (Role.SUBJECT_TUTOR, Role.CAREERS_ADVISER, *LEADS)

# The rows, each named once. A role alone, or the leads:
EVERYONE = everyone(200)
ADMIN = access(Role.ORG_ADMIN)
LEAD = access(Role.CAREERS_LEAD)
LEAD_AND_ADMIN = access(*LEADS)
ADVISER = access(Role.CAREERS_ADVISER)
AUTHORITY = access(Role.LA_OFFICER)
# No role of the worlds: the page needs something they do not have (said on its row).
NOBODY = {}
# Only through the link (see above):
THE_LEARNER = access(link=[Role.LEARNER])
THE_GRANTEE = access(link=[Role.PARENT_CARER])
THE_KEY_WORKER = access(link=[Role.KEY_WORKER])
THE_PARTNER_ADVISER = access(link=[Role.CAREERS_ADVISER])
THE_PEER_REVIEWER = access(link=[Role.CAREERS_LEAD])
THE_PARENT_AUTHORITY = access(link=[Role.LA_OFFICER])
THE_REQUESTER = access(link=[Role.KEY_WORKER, *LEADS])
# A learner's record: their key worker and the working staff; some pages only the leads.
PLAN_STAFF = access(*WORKING_STAFF, link=[Role.KEY_WORKER])
KEY_WORKER_AND_LEADS = access(*LEADS, link=[Role.KEY_WORKER])
# Sharing an under-13's plan: as PLAN_STAFF but for the careers adviser, whose world's learner is 16.
UNDER_13_SHARING = access(Role.SUBJECT_TUTOR, *LEADS, link=[Role.KEY_WORKER])
# Guidance: the school's key workers and leads, and the partner service's advisers; for one
# learner's pages, only their key worker and the adviser of an accepted partnership.
GUIDANCE_STAFF = access(Role.KEY_WORKER, Role.CAREERS_ADVISER, *LEADS)
GUIDANCE_LEARNER_STAFF = access(*LEADS, link=[Role.KEY_WORKER, Role.CAREERS_ADVISER])

# The roles whose linked rows the test also checks with a person of the role without the link.
LINKS_CHECKED = frozenset({Role.LEARNER, Role.PARENT_CARER, Role.KEY_WORKER, Role.CAREERS_ADVISER,
                           Role.CAREERS_LEAD, Role.LA_OFFICER})

# The URLs a visitor who is not signed in may reach (every other URL: 403/404/sign-in, or 405
# for a POST_ONLY one), with the answer.
PUBLIC = {"healthz": 200, "sign_in_code": 200, "sso_start": 200}

# URL name → query string (formatted with the world's values) for a page that needs one.
QUERIES = {"guidance:group_session_new": "school={partner_school}"}

MATRIX = {
    # --- Outside any organisation: the landing page sends each person to their space; the health
    # check is public. /me/… is the signed-in person's own space (lists show only what is theirs).
    "home": everyone(302),
    "healthz": EVERYONE,
    "me:home": EVERYONE,
    # "Sign in with Microsoft or Google" asks for an email address first (plp_portal.sso).
    "sso_start": EVERYONE,
    # The learner's own plan: only its learner (linked: LearnerProfile.user is them).
    "me:plan": THE_LEARNER,
    "me:plan_full": THE_LEARNER,
    "me:plan_sign": POST_ONLY,
    "me:moving_on_agree": POST_ONLY,
    # Record transfer (issue 13): the learner's own list (empty for others), offering needs an
    # enrolment, a transfer is its learner's.
    "me:transfers": EVERYONE,
    "me:transfer_offer": THE_LEARNER,
    "me:transfer": THE_LEARNER,
    "me:transfer_withdraw": POST_ONLY,
    "me:targets": THE_LEARNER,
    "me:starting_point": THE_LEARNER,
    # The glossary of the few unavoidable words: anyone signed in.
    "me:glossary": EVERYONE,
    "me:target_add": THE_LEARNER,
    "me:journey_add": THE_LEARNER,
    "me:concern_add": THE_LEARNER,
    "me:log": THE_LEARNER,
    "me:log_add": THE_LEARNER,
    "me:plan_pdf": answering(302, THE_LEARNER),
    "me:plan_pdf_status": THE_LEARNER,
    "me:plan_pdf_download": THE_LEARNER,
    "me:sharing": THE_LEARNER,
    "me:share_add": THE_LEARNER,
    "me:target": THE_LEARNER,
    "me:log_file": access(link=[Role.LEARNER, Role.PARENT_CARER]),
    "me:share_revoke": THE_LEARNER,
    "me:share_invitation_revoke": THE_LEARNER,
    # A plan shared with a person (linked: an active PlanShare + guardian permission; here the
    # learner's parent/carer). me:log_file above also serves a grantee who may see the entry.
    "me:shared_plan": THE_GRANTEE,
    "me:shared_plan_sign": POST_ONLY,
    # A grantee adds a note to the plan; only an off-site provider or employer records the
    # four-weekly off-site review (the world's grantee is a parent: refused).
    "me:shared_note_add": THE_GRANTEE,
    "me:shared_off_site_review_add": NOBODY,
    "me:shared_plan_pdf": answering(302, THE_GRANTEE),
    "me:shared_plan_pdf_status": THE_GRANTEE,
    "me:shared_plan_pdf_download": THE_GRANTEE,
    # The learner's guidance pages: asking for help is for a learner with a profile (linked).
    "me_guidance:index": EVERYONE,
    "me_guidance:self_refer": THE_LEARNER,
    # Guidance explained (tiers, asking for help, the eleven entitlements): anyone signed in.
    "me_guidance:how_it_works": EVERYONE,
    "me_guidance:for_parents": EVERYONE,
    # An external reviewer of one annual careers plan (DESIGN tenancy rule 3): not a role but a
    # grant; in the world a peer school's careers lead grants the careers lead review (linked).
    "careersplan_review:list": EVERYONE,
    "careersplan_review:plan": THE_PEER_REVIEWER,
    "careersplan_review:pdf": answering(302, THE_PEER_REVIEWER),
    "careersplan_review:pdf_status": THE_PEER_REVIEWER,
    "careersplan_review:pdf_download": THE_PEER_REVIEWER,
    # The learner prepares for and signs their reviews (linked: the review is of their plan).
    "me_reviews:index": EVERYONE,
    # The learner says who they would like as key worker (their own enrolment: linked).
    "me_reviews:key_worker_preference": THE_LEARNER,
    "me_reviews:prepare": THE_LEARNER,
    "me_reviews:sign": answering(405, THE_LEARNER),
    # A copy of the learner's own record (subject access): only the learner's own requests.
    "me_records:index": EVERYONE,
    "me_records:request": POST_ONLY,
    # A parent asks for a young child's copy (per the organisation's policy; see test_subject_access).
    "me_records:request_child": POST_ONLY,
    "me_records:detail": THE_LEARNER,
    "me_records:download": THE_LEARNER,
    "me_reviews:review_pdf": answering(302, THE_LEARNER),
    "me_reviews:review_pdf_status": THE_LEARNER,
    "me_reviews:review_pdf_download": THE_LEARNER,
    # --- /o/<slug>/: the organisation's own pages.
    "organisations:home": EVERYONE,
    "organisations:access": LEAD_AND_ADMIN,
    "organisations:members": ADMIN,
    "organisations:invite": ADMIN,
    "organisations:membership_edit": ADMIN,
    "organisations:invitation_revoke": ADMIN,
    "organisations:terms": ADMIN,
    "organisations:term_edit": ADMIN,
    "organisations:term_delete": ADMIN,
    "organisations:notifications": EVERYONE,
    # School set-up (issue 14): the organisation admin's only.
    "onboarding:index": ADMIN,
    "onboarding:upload_pupils": ADMIN,
    "onboarding:upload_staff": ADMIN,
    "onboarding:upload_groups": ADMIN,
    "onboarding:upload_parents": ADMIN,
    "onboarding:job": ADMIN,
    "onboarding:run": ADMIN,
    "onboarding:run_columns": ADMIN,
    "onboarding:run_apply": POST_ONLY,
    "onboarding:run_discard": POST_ONLY,
    "onboarding:key_workers": ADMIN,
    "onboarding:rollover": ADMIN,
    "onboarding:invitations": ADMIN,
    "onboarding:sign_in_sheet": ADMIN,
    # A pupil's first sign-in with a code from their class sheet: public (the code is the grant).
    "sign_in_code": EVERYONE,
    # Sign-in with the organisation's Microsoft / Google accounts: its admin sets it up.
    "sso:providers": ADMIN,
    "sso:provider_edit_microsoft": ADMIN,
    "sso:provider_edit_google": ADMIN,
    "organisations:notifications_read": POST_ONLY,
    # A learner's record: key worker of THAT learner (linked: profile.key_worker), and the
    # working staff of the organisation (learners.permissions.WORKING_STAFF_ROLES) for every
    # learner. Enrolling is for working staff, not key workers (learners.views.learner_add).
    # Sharing: the learner manages it from /me/; staff only for a learner under 13
    # (learners.permissions.can_manage_sharing): the school worlds' learner is under 13, the
    # careers adviser's (their service's own learner) is 16, so the adviser is refused.
    "learners:index": access(Role.KEY_WORKER, *WORKING_STAFF),
    "learners:add": access(*WORKING_STAFF),
    "learners:profile": PLAN_STAFF,
    "learners:profile_edit": PLAN_STAFF,
    "learners:at_risk_set": PLAN_STAFF,
    # Leaving (issue 13): the learner's key worker, the careers lead and the admin; the world's
    # learner is enrolled, so "enrol again" sends them back to the profile.
    "learners:enrolment_end": KEY_WORKER_AND_LEADS,
    "learners:reenrol": answering(302, KEY_WORKER_AND_LEADS),
    # Records from previous organisations (issue 13): whoever works with the learner; starting a
    # plan from one needs a transferred plan (?plan=), which an organisation's own plan is not.
    "learners:previous_record": PLAN_STAFF,
    "learners:transfer_request": PLAN_STAFF,
    "learners:plan_from_previous": NOBODY,
    # The school offers an under-13's record (the careers lead and the admin; the school worlds'
    # learner is under 13; the careers adviser's is 16, so nobody at the service may).
    "learners:transfer_offer_for_under_13": LEAD_AND_ADMIN,
    "learners:transfer_out": LEAD_AND_ADMIN,
    "learners:plan": PLAN_STAFF,
    "learners:plan_edit": PLAN_STAFF,
    "learners:moving_on_edit": PLAN_STAFF,
    "learners:moving_on_application_add": PLAN_STAFF,
    "learners:moving_on_application_edit": PLAN_STAFF,
    "learners:plan_sign": POST_ONLY,
    "learners:timeline": PLAN_STAFF,
    "learners:target_add": PLAN_STAFF,
    "learners:narrative_add": PLAN_STAFF,
    "learners:concern_add": PLAN_STAFF,
    "learners:reports": PLAN_STAFF,
    "learners:report_add": PLAN_STAFF,
    "learners:log": PLAN_STAFF,
    "learners:plan_pdf": answering(302, PLAN_STAFF),
    "learners:plan_pdf_status": PLAN_STAFF,
    "learners:plan_pdf_download": PLAN_STAFF,
    "learners:sharing": UNDER_13_SHARING,
    "learners:target": PLAN_STAFF,
    "learners:target_approve": POST_ONLY,
    "learners:narrative_correct": PLAN_STAFF,
    "learners:concern": PLAN_STAFF,
    "learners:log_file": PLAN_STAFF,
    "learners:share_revoke": UNDER_13_SHARING,
    "learners:share_invitation_revoke": UNDER_13_SHARING,
    "learners:settings_areas": ADMIN,
    "learners:settings_area_edit": ADMIN,
    "learners:settings_levels": ADMIN,
    "learners:settings_level_edit": ADMIN,
    # Key-worker assignments and reviews: the key worker of the learner (linked) and the leads
    # (keyworkers.views.LEADS); reviews read by the working staff who see the plan.
    "keyworkers:index": access(Role.KEY_WORKER, *LEADS),
    "keyworkers:settings": ADMIN,
    "keyworkers:quality": LEAD_AND_ADMIN,
    "keyworkers:quality_learners": LEAD_AND_ADMIN,
    "keyworkers:team": KEY_WORKER_AND_LEADS,
    "keyworkers:assign": answering(405, KEY_WORKER_AND_LEADS),
    "keyworkers:team_add": answering(405, KEY_WORKER_AND_LEADS),
    "keyworkers:preference": answering(405, KEY_WORKER_AND_LEADS),
    "keyworkers:schedule_override": answering(405, KEY_WORKER_AND_LEADS),
    "keyworkers:team_end": answering(405, KEY_WORKER_AND_LEADS),
    "keyworkers:review_list": PLAN_STAFF,
    "keyworkers:review_start": answering(405, THE_KEY_WORKER),
    # A review of the learner's PREVIOUS organisation, read-only (issue 13): only through a
    # consented record transfer, which the worlds' own reviews are not (learners/tests/test_transfer.py
    # reads one as each role).
    "keyworkers:previous_review": NOBODY,
    "keyworkers:review_detail": PLAN_STAFF,
    # Subject access: the organisation admin produces any learner's record.
    "records:index": ADMIN,
    "records:detail": ADMIN,
    "records:download": ADMIN,
    "records:retention": ADMIN,
    "records:erasure_new": ADMIN,
    "records:erasure": ADMIN,
    # The caseload's progress files as one ZIP: only the person who asked for it (linked).
    "keyworkers:caseload_bundle": POST_ONLY,
    "keyworkers:bundle": THE_REQUESTER,
    "keyworkers:bundle_download": THE_REQUESTER,
    "keyworkers:review_pdf": answering(302, PLAN_STAFF),
    "keyworkers:review_pdf_status": PLAN_STAFF,
    "keyworkers:review_pdf_download": PLAN_STAFF,
    "keyworkers:review_edit": THE_KEY_WORKER,
    "keyworkers:review_cancel": KEY_WORKER_AND_LEADS,
    "keyworkers:review_amend": answering(405, THE_KEY_WORKER),
    # Guidance. School side: key worker (their caseload only; linked for one learner's pages),
    # careers lead, organisation admin. Service side: the careers adviser, for the learners of
    # schools whose acceptance of the service's partnership is current (linked: in the world
    # the school accepted it; the adviser's own service pages need no link).
    "guidance:index": GUIDANCE_STAFF,
    "guidance:referral_detail": GUIDANCE_LEARNER_STAFF,
    "guidance:referral_triage": POST_ONLY,
    "guidance:referral_close": POST_ONLY,
    "guidance:referral_withdraw": POST_ONLY,
    "guidance:learner_list": GUIDANCE_STAFF,
    "guidance:learner_detail": GUIDANCE_LEARNER_STAFF,
    "guidance:referral_new": GUIDANCE_LEARNER_STAFF,
    "guidance:tier_change": THE_PARTNER_ADVISER,
    # The progress file of a partner school's learner: the service's advisers (a school's own
    # staff use learners:plan_pdf).
    "guidance:learner_progress_file": answering(302, THE_PARTNER_ADVISER),
    "guidance:learner_progress_file_status": THE_PARTNER_ADVISER,
    "guidance:learner_progress_file_download": THE_PARTNER_ADVISER,
    "guidance:interview_new": THE_PARTNER_ADVISER,
    "guidance:destination_new": GUIDANCE_LEARNER_STAFF,
    "guidance:interview_detail": GUIDANCE_LEARNER_STAFF,
    "guidance:interview_feedback": POST_ONLY,
    "guidance:group_session_list": ADVISER,
    "guidance:group_session_new": THE_PARTNER_ADVISER,
    "guidance:group_session_detail": THE_PARTNER_ADVISER,
    "guidance:group_session_attendance": THE_PARTNER_ADVISER,
    "guidance:neet_list": GUIDANCE_STAFF,
    "guidance:dashboard": GUIDANCE_STAFF,
    "guidance:partnership_list": ADVISER,
    "guidance:partnership_new": ADVISER,
    "guidance:partnership_detail": ADVISER,
    "guidance:objective_update": POST_ONLY,
    "guidance:partnership_end": ADVISER,
    "guidance:partnership_agreement": ADVISER,
    # The school's side of partnerships: its admin decides and ends, its careers lead reads.
    "guidance:agreement_list": LEAD_AND_ADMIN,
    "guidance:agreement_detail": LEAD_AND_ADMIN,
    "guidance:agreement_end": ADMIN,
    "guidance:settings": ADVISER,
    # The leavers' activity export holds individual records: the careers service's (through its
    # partnerships), never the authority's.
    "guidance:leavers_export": ADVISER,
    "guidance:leavers_export_csv": ADVISER,
    # The authority's outcome figures of its schools: aggregates only, after disclosure control.
    "guidance:authority_outcomes": AUTHORITY,
    "guidance:authority_outcomes_csv": AUTHORITY,
    "guidance:authority_outcome_settings": AUTHORITY,
    # The annual careers plan: careers lead edits, organisation admin reads; the local authority
    # officer reads the plans of the schools whose parent it is (linked: school.parent) and
    # adapts templates. GETs of POST handlers (row_save, evidence_add) go back to the section.
    "careersplan:index": {**LEAD_AND_ADMIN, Role.LA_OFFICER: 302},
    "careersplan:plan_create": LEAD,
    "careersplan:plan": LEAD_AND_ADMIN,
    "careersplan:phase": LEAD,
    "careersplan:section": LEAD_AND_ADMIN,
    "careersplan:row_save": answering(302, LEAD),
    "careersplan:evidence_add": answering(302, LEAD),
    "careersplan:evidence": LEAD_AND_ADMIN,
    "careersplan:evidence_delete": LEAD,
    "careersplan:checklist": LEAD_AND_ADMIN,
    "careersplan:checklist_preview": answering(405, LEAD),
    "careersplan:approval": LEAD,
    "careersplan:approval_remove": LEAD,
    "careersplan:reviewers": LEAD,
    "careersplan:reviewer_revoke": LEAD,
    "careersplan:pdf": answering(302, LEAD_AND_ADMIN),
    "careersplan:pdf_status": LEAD_AND_ADMIN,
    "careersplan:pdf_download": LEAD_AND_ADMIN,
    "careersplan:ilp": LEAD_AND_ADMIN,
    "careersplan:ilp_assessment": LEAD_AND_ADMIN,
    "careersplan:authority": AUTHORITY,
    "careersplan:authority_csv": AUTHORITY,
    "careersplan:authority_deadline": AUTHORITY,
    "careersplan:authority_plan": THE_PARENT_AUTHORITY,
    # The authority's recommendations: recorded on a plan of its own school, listed across its
    # schools, closed by it; answered (and read) by the school's lead and admin.
    "careersplan:authority_recommendation_new": THE_PARENT_AUTHORITY,
    "careersplan:authority_recommendations": AUTHORITY,
    "careersplan:authority_recommendation_close": POST_ONLY,
    "careersplan:recommendation_answer": LEAD_AND_ADMIN,
    # The lead prepares, previews and publishes the school's careers programme (the public page
    # itself is under public/, outside the crawl: careersplan/tests/test_programme.py).
    "careersplan:programme": LEAD,
    "careersplan:programme_preview": LEAD,
    "careersplan:programme_publish": POST_ONLY,
    "careersplan:programme_unpublish": LEAD,
    # Feedback surveys for the annual review: the lead opens them, lead and admin read the answers
    # (the answer page itself is public/, outside the crawl: careersplan/tests/test_feedback.py).
    "careersplan:surveys": LEAD_AND_ADMIN,
    "careersplan:survey": LEAD_AND_ADMIN,
    "careersplan:survey_close": LEAD,  # the confirmation page; the close is a POST
    "careersplan:authority_plan_pdf": answering(302, THE_PARENT_AUTHORITY),
    "careersplan:authority_plan_pdf_status": THE_PARENT_AUTHORITY,
    "careersplan:authority_plan_pdf_download": THE_PARENT_AUTHORITY,
    "careersplan:templates": access(*LEADS, Role.LA_OFFICER),
    "careersplan:template": access(*LEADS, Role.LA_OFFICER),
    "careersplan:template_copy": answering(405, AUTHORITY),
    "careersplan:template_publish": answering(405, AUTHORITY),
    "careersplan:template_section": AUTHORITY,
    "careersplan:template_checklist": AUTHORITY,
    # Who read a learner's sensitive record: the organisation admin.
    "audit:learner_record_reads": ADMIN,
}
