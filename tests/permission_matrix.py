"""The positive half of the permission matrix (issue 12; pretix's way): for every URL pattern
(name "namespace:name", the patterns tests/test_crawl.py discovers), the answer each role gets on
GET with its OWN organisation's objects. Checked by tests/test_permission_matrix.py; a URL
pattern without a row fails that test.

A row is ``POST_ONLY`` (the view answers 405 to a GET, whoever asks) or a dict role → status;
a role NOT in the dict must be refused: 403, 404 or a redirect to sign-in/MFA — never a 200,
never a 5xx. ``LINKED`` (or ``linked(status)``) marks a role that reaches the page only through a
link to the object, which the test's world builds (and a twin of the same role without the
link is refused — checked too):

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
LINKED = ("linked", 200)


def linked(status):
    return ("linked", status)


def everyone(status):
    return {role: status for role in Role}


# The roles whose LINKED rows the test also checks with a person of the role without the link.
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
    "healthz": everyone(200),
    "me:home": everyone(200),
    # "Sign in with Microsoft or Google" asks for an email address first (plp_portal.sso).
    "sso_start": everyone(200),
    # The learner's own plan: only its learner (LINKED: LearnerProfile.user is them).
    "me:plan": {Role.LEARNER: LINKED},
    "me:plan_full": {Role.LEARNER: LINKED},
    "me:plan_sign": POST_ONLY,
    "me:moving_on_agree": POST_ONLY,
    # Record transfer (issue 13): the learner's own list (empty for others), offering needs an
    # enrolment, a transfer is its learner's.
    "me:transfers": everyone(200),
    "me:transfer_offer": {Role.LEARNER: LINKED},
    "me:transfer": {Role.LEARNER: LINKED},
    "me:transfer_withdraw": POST_ONLY,
    "me:targets": {Role.LEARNER: LINKED},
    "me:starting_point": {Role.LEARNER: LINKED},
    # The glossary of the few unavoidable words: anyone signed in.
    "me:glossary": everyone(200),
    "me:target_add": {Role.LEARNER: LINKED},
    "me:journey_add": {Role.LEARNER: LINKED},
    "me:concern_add": {Role.LEARNER: LINKED},
    "me:log": {Role.LEARNER: LINKED},
    "me:log_add": {Role.LEARNER: LINKED},
    "me:plan_pdf": {Role.LEARNER: linked(302)},
    "me:plan_pdf_status": {Role.LEARNER: LINKED},
    "me:plan_pdf_download": {Role.LEARNER: LINKED},
    "me:sharing": {Role.LEARNER: LINKED},
    "me:share_add": {Role.LEARNER: LINKED},
    "me:target": {Role.LEARNER: LINKED},
    "me:log_file": {Role.LEARNER: LINKED, Role.PARENT_CARER: LINKED},
    "me:share_revoke": {Role.LEARNER: LINKED},
    "me:share_invitation_revoke": {Role.LEARNER: LINKED},
    # A plan shared with a person (LINKED: an active PlanShare + guardian permission; here the
    # learner's parent/carer). me:log_file above also serves a grantee who may see the entry.
    "me:shared_plan": {Role.PARENT_CARER: LINKED},
    "me:shared_plan_sign": POST_ONLY,
    # A grantee adds a note to the plan; only an off-site provider or employer records the
    # four-weekly off-site review (the world's grantee is a parent: refused).
    "me:shared_note_add": {Role.PARENT_CARER: LINKED},
    "me:shared_off_site_review_add": {},
    "me:shared_plan_pdf": {Role.PARENT_CARER: linked(302)},
    "me:shared_plan_pdf_status": {Role.PARENT_CARER: LINKED},
    "me:shared_plan_pdf_download": {Role.PARENT_CARER: LINKED},
    # The learner's guidance pages: asking for help is for a learner with a profile (LINKED).
    "me_guidance:index": everyone(200),
    "me_guidance:self_refer": {Role.LEARNER: LINKED},
    # Guidance explained (tiers, asking for help, the eleven entitlements): anyone signed in.
    "me_guidance:how_it_works": everyone(200),
    "me_guidance:for_parents": everyone(200),
    # An external reviewer of one annual careers plan (DESIGN tenancy rule 3): not a role but a
    # grant; in the world a peer school's careers lead grants the careers lead review (LINKED).
    "careersplan_review:list": everyone(200),
    "careersplan_review:plan": {Role.CAREERS_LEAD: LINKED},
    "careersplan_review:pdf": {Role.CAREERS_LEAD: linked(302)},
    "careersplan_review:pdf_status": {Role.CAREERS_LEAD: LINKED},
    "careersplan_review:pdf_download": {Role.CAREERS_LEAD: LINKED},
    # The learner prepares for and signs their reviews (LINKED: the review is of their plan).
    "me_reviews:index": everyone(200),
    # The learner says who they would like as key worker (their own enrolment: LINKED).
    "me_reviews:key_worker_preference": {Role.LEARNER: LINKED},
    "me_reviews:prepare": {Role.LEARNER: LINKED},
    "me_reviews:sign": {Role.LEARNER: linked(405)},
    # A copy of the learner's own record (subject access): only the learner's own requests.
    "me_records:index": everyone(200),
    "me_records:request": POST_ONLY,
    # A parent asks for a young child's copy (per the organisation's policy; see test_subject_access).
    "me_records:request_child": POST_ONLY,
    "me_records:detail": {Role.LEARNER: LINKED},
    "me_records:download": {Role.LEARNER: LINKED},
    "me_reviews:review_pdf": {Role.LEARNER: linked(302)},
    "me_reviews:review_pdf_status": {Role.LEARNER: LINKED},
    "me_reviews:review_pdf_download": {Role.LEARNER: LINKED},
    # --- /o/<slug>/: the organisation's own pages.
    "organisations:home": everyone(200),
    "organisations:access": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "organisations:members": {Role.ORG_ADMIN: 200},
    "organisations:invite": {Role.ORG_ADMIN: 200},
    "organisations:membership_edit": {Role.ORG_ADMIN: 200},
    "organisations:invitation_revoke": {Role.ORG_ADMIN: 200},
    "organisations:terms": {Role.ORG_ADMIN: 200},
    "organisations:term_edit": {Role.ORG_ADMIN: 200},
    "organisations:term_delete": {Role.ORG_ADMIN: 200},
    "organisations:notifications": everyone(200),
    # School set-up (issue 14): the organisation admin's only.
    "onboarding:index": {Role.ORG_ADMIN: 200},
    "onboarding:upload_pupils": {Role.ORG_ADMIN: 200},
    "onboarding:upload_staff": {Role.ORG_ADMIN: 200},
    "onboarding:upload_groups": {Role.ORG_ADMIN: 200},
    "onboarding:upload_parents": {Role.ORG_ADMIN: 200},
    "onboarding:job": {Role.ORG_ADMIN: 200},
    "onboarding:run": {Role.ORG_ADMIN: 200},
    "onboarding:run_columns": {Role.ORG_ADMIN: 200},
    "onboarding:run_apply": POST_ONLY,
    "onboarding:run_discard": POST_ONLY,
    "onboarding:key_workers": {Role.ORG_ADMIN: 200},
    "onboarding:rollover": {Role.ORG_ADMIN: 200},
    "onboarding:invitations": {Role.ORG_ADMIN: 200},
    "onboarding:sign_in_sheet": {Role.ORG_ADMIN: 200},
    # A pupil's first sign-in with a code from their class sheet: public (the code is the grant).
    "sign_in_code": everyone(200),
    # Sign-in with the organisation's Microsoft / Google accounts: its admin sets it up.
    "sso:providers": {Role.ORG_ADMIN: 200},
    "sso:provider_edit_microsoft": {Role.ORG_ADMIN: 200},
    "sso:provider_edit_google": {Role.ORG_ADMIN: 200},
    "organisations:notifications_read": POST_ONLY,
    # A learner's record: key worker of THAT learner (LINKED: profile.key_worker), and the
    # working staff of the organisation (learners.permissions.WORKING_STAFF_ROLES) for every
    # learner. Enrolling is for working staff, not key workers (learners.views.learner_add).
    # Sharing: the learner manages it from /me/; staff only for a learner under 13
    # (learners.permissions.can_manage_sharing): the school worlds' learner is under 13, the
    # careers adviser's (their service's own learner) is 16, so the adviser is refused.
    "learners:index": {Role.KEY_WORKER: 200, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:add": {Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:profile": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:profile_edit": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:at_risk_set": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    # Leaving (issue 13): the learner's key worker, the careers lead and the admin; the world's
    # learner is enrolled, so "enrol again" sends them back to the profile.
    "learners:enrolment_end": {Role.KEY_WORKER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:reenrol": {Role.KEY_WORKER: linked(302), Role.CAREERS_LEAD: 302, Role.ORG_ADMIN: 302},
    # Records from previous organisations (issue 13): whoever works with the learner; starting a
    # plan from one needs a transferred plan (?plan=), which an organisation's own plan is not.
    "learners:previous_record": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:transfer_request": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan_from_previous": {},
    # The school offers an under-13's record (the careers lead and the admin; the school worlds'
    # learner is under 13; the careers adviser's is 16, so nobody at the service may).
    "learners:transfer_offer_for_under_13": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:transfer_out": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan_edit": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:moving_on_edit": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:moving_on_application_add": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:moving_on_application_edit": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan_sign": POST_ONLY,
    "learners:timeline": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:target_add": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:narrative_add": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:concern_add": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:reports": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:report_add": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:log": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan_pdf": {Role.KEY_WORKER: linked(302), Role.SUBJECT_TUTOR: 302, Role.CAREERS_ADVISER: 302, Role.CAREERS_LEAD: 302, Role.ORG_ADMIN: 302},
    "learners:plan_pdf_status": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:plan_pdf_download": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:sharing": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:target": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:target_approve": POST_ONLY,
    "learners:narrative_correct": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:concern": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:log_file": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:share_revoke": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:share_invitation_revoke": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "learners:settings_areas": {Role.ORG_ADMIN: 200},
    "learners:settings_area_edit": {Role.ORG_ADMIN: 200},
    "learners:settings_levels": {Role.ORG_ADMIN: 200},
    "learners:settings_level_edit": {Role.ORG_ADMIN: 200},
    # Key-worker assignments and reviews: the key worker of the learner (LINKED) and the leads
    # (keyworkers.views.LEADS); reviews read by the working staff who see the plan.
    "keyworkers:index": {Role.KEY_WORKER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:settings": {Role.ORG_ADMIN: 200},
    "keyworkers:quality": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:quality_learners": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:team": {Role.KEY_WORKER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:assign": {Role.KEY_WORKER: linked(405), Role.CAREERS_LEAD: 405, Role.ORG_ADMIN: 405},
    "keyworkers:team_add": {Role.KEY_WORKER: linked(405), Role.CAREERS_LEAD: 405, Role.ORG_ADMIN: 405},
    "keyworkers:preference": {Role.KEY_WORKER: linked(405), Role.CAREERS_LEAD: 405, Role.ORG_ADMIN: 405},
    "keyworkers:schedule_override": {Role.KEY_WORKER: linked(405), Role.CAREERS_LEAD: 405, Role.ORG_ADMIN: 405},
    "keyworkers:team_end": {Role.KEY_WORKER: linked(405), Role.CAREERS_LEAD: 405, Role.ORG_ADMIN: 405},
    "keyworkers:review_list": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:review_start": {Role.KEY_WORKER: linked(405)},
    # A review of the learner's PREVIOUS organisation, read-only (issue 13): only through a
    # consented record transfer, which the worlds' own reviews are not (learners/tests/test_transfer.py
    # reads one as each role).
    "keyworkers:previous_review": {},
    "keyworkers:review_detail": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    # Subject access: the organisation admin produces any learner's record.
    "records:index": {Role.ORG_ADMIN: 200},
    "records:detail": {Role.ORG_ADMIN: 200},
    "records:download": {Role.ORG_ADMIN: 200},
    "records:retention": {Role.ORG_ADMIN: 200},
    "records:erasure_new": {Role.ORG_ADMIN: 200},
    "records:erasure": {Role.ORG_ADMIN: 200},
    # The caseload's progress files as one ZIP: only the person who asked for it (LINKED).
    "keyworkers:caseload_bundle": POST_ONLY,
    "keyworkers:bundle": {Role.KEY_WORKER: LINKED, Role.CAREERS_LEAD: LINKED, Role.ORG_ADMIN: LINKED},
    "keyworkers:bundle_download": {Role.KEY_WORKER: LINKED, Role.CAREERS_LEAD: LINKED, Role.ORG_ADMIN: LINKED},
    "keyworkers:review_pdf": {Role.KEY_WORKER: linked(302), Role.SUBJECT_TUTOR: 302, Role.CAREERS_ADVISER: 302, Role.CAREERS_LEAD: 302, Role.ORG_ADMIN: 302},
    "keyworkers:review_pdf_status": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:review_pdf_download": {Role.KEY_WORKER: LINKED, Role.SUBJECT_TUTOR: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:review_edit": {Role.KEY_WORKER: LINKED},
    "keyworkers:review_cancel": {Role.KEY_WORKER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "keyworkers:review_amend": {Role.KEY_WORKER: linked(405)},
    # Guidance. School side: key worker (their caseload only; LINKED for one learner's pages),
    # careers lead, organisation admin. Service side: the careers adviser, for the learners of
    # schools whose acceptance of the service's partnership is current (LINKED: in the world
    # the school accepted it; the adviser's own service pages need no link).
    "guidance:index": {Role.KEY_WORKER: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:referral_detail": {Role.KEY_WORKER: LINKED, Role.CAREERS_ADVISER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:referral_triage": POST_ONLY,
    "guidance:referral_close": POST_ONLY,
    "guidance:referral_withdraw": POST_ONLY,
    "guidance:learner_list": {Role.KEY_WORKER: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:learner_detail": {Role.KEY_WORKER: LINKED, Role.CAREERS_ADVISER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:referral_new": {Role.KEY_WORKER: LINKED, Role.CAREERS_ADVISER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:tier_change": {Role.CAREERS_ADVISER: LINKED},
    # The progress file of a partner school's learner: the service's advisers (a school's own
    # staff use learners:plan_pdf).
    "guidance:learner_progress_file": {Role.CAREERS_ADVISER: linked(302)},
    "guidance:learner_progress_file_status": {Role.CAREERS_ADVISER: LINKED},
    "guidance:learner_progress_file_download": {Role.CAREERS_ADVISER: LINKED},
    "guidance:interview_new": {Role.CAREERS_ADVISER: LINKED},
    "guidance:destination_new": {Role.KEY_WORKER: LINKED, Role.CAREERS_ADVISER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:interview_detail": {Role.KEY_WORKER: LINKED, Role.CAREERS_ADVISER: LINKED, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:interview_feedback": POST_ONLY,
    "guidance:group_session_list": {Role.CAREERS_ADVISER: 200},
    "guidance:group_session_new": {Role.CAREERS_ADVISER: LINKED},
    "guidance:group_session_detail": {Role.CAREERS_ADVISER: LINKED},
    "guidance:group_session_attendance": {Role.CAREERS_ADVISER: LINKED},
    "guidance:neet_list": {Role.KEY_WORKER: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:dashboard": {Role.KEY_WORKER: 200, Role.CAREERS_ADVISER: 200, Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:partnership_list": {Role.CAREERS_ADVISER: 200},
    "guidance:partnership_new": {Role.CAREERS_ADVISER: 200},
    "guidance:partnership_detail": {Role.CAREERS_ADVISER: 200},
    "guidance:objective_update": POST_ONLY,
    "guidance:partnership_end": {Role.CAREERS_ADVISER: 200},
    "guidance:partnership_agreement": {Role.CAREERS_ADVISER: 200},
    # The school's side of partnerships: its admin decides and ends, its careers lead reads.
    "guidance:agreement_list": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:agreement_detail": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "guidance:agreement_end": {Role.ORG_ADMIN: 200},
    "guidance:settings": {Role.CAREERS_ADVISER: 200},
    # The leavers' activity export holds individual records: the careers service's (through its
    # partnerships), never the authority's.
    "guidance:leavers_export": {Role.CAREERS_ADVISER: 200},
    "guidance:leavers_export_csv": {Role.CAREERS_ADVISER: 200},
    # The authority's outcome figures of its schools: aggregates only, after disclosure control.
    "guidance:authority_outcomes": {Role.LA_OFFICER: 200},
    "guidance:authority_outcomes_csv": {Role.LA_OFFICER: 200},
    "guidance:authority_outcome_settings": {Role.LA_OFFICER: 200},
    # The annual careers plan: careers lead edits, organisation admin reads; the local authority
    # officer reads the plans of the schools whose parent it is (LINKED: school.parent) and
    # adapts templates. GETs of POST handlers (row_save, evidence_add) go back to the section.
    "careersplan:index": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200, Role.LA_OFFICER: 302},
    "careersplan:plan_create": {Role.CAREERS_LEAD: 200},
    "careersplan:plan": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:phase": {Role.CAREERS_LEAD: 200},
    "careersplan:section": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:row_save": {Role.CAREERS_LEAD: 302},
    "careersplan:evidence_add": {Role.CAREERS_LEAD: 302},
    "careersplan:evidence": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:evidence_delete": {Role.CAREERS_LEAD: 200},
    "careersplan:checklist": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:checklist_preview": {Role.CAREERS_LEAD: 405},
    "careersplan:approval": {Role.CAREERS_LEAD: 200},
    "careersplan:approval_remove": {Role.CAREERS_LEAD: 200},
    "careersplan:reviewers": {Role.CAREERS_LEAD: 200},
    "careersplan:reviewer_revoke": {Role.CAREERS_LEAD: 200},
    "careersplan:pdf": {Role.CAREERS_LEAD: 302, Role.ORG_ADMIN: 302},
    "careersplan:pdf_status": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:pdf_download": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:ilp": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:ilp_assessment": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:authority": {Role.LA_OFFICER: 200},
    "careersplan:authority_csv": {Role.LA_OFFICER: 200},
    "careersplan:authority_deadline": {Role.LA_OFFICER: 200},
    "careersplan:authority_plan": {Role.LA_OFFICER: LINKED},
    # The authority's recommendations: recorded on a plan of its own school, listed across its
    # schools, closed by it; answered (and read) by the school's lead and admin.
    "careersplan:authority_recommendation_new": {Role.LA_OFFICER: LINKED},
    "careersplan:authority_recommendations": {Role.LA_OFFICER: 200},
    "careersplan:authority_recommendation_close": POST_ONLY,
    "careersplan:recommendation_answer": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    # The lead prepares, previews and publishes the school's careers programme (the public page
    # itself is under public/, outside the crawl: careersplan/tests/test_programme.py).
    "careersplan:programme": {Role.CAREERS_LEAD: 200},
    "careersplan:programme_preview": {Role.CAREERS_LEAD: 200},
    "careersplan:programme_publish": POST_ONLY,
    "careersplan:programme_unpublish": {Role.CAREERS_LEAD: 200},
    # Feedback surveys for the annual review: the lead opens them, lead and admin read the answers
    # (the answer page itself is public/, outside the crawl: careersplan/tests/test_feedback.py).
    "careersplan:surveys": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:survey": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200},
    "careersplan:survey_close": {Role.CAREERS_LEAD: 200},  # the confirmation page; the close is a POST
    "careersplan:authority_plan_pdf": {Role.LA_OFFICER: linked(302)},
    "careersplan:authority_plan_pdf_status": {Role.LA_OFFICER: LINKED},
    "careersplan:authority_plan_pdf_download": {Role.LA_OFFICER: LINKED},
    "careersplan:templates": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200, Role.LA_OFFICER: 200},
    "careersplan:template": {Role.CAREERS_LEAD: 200, Role.ORG_ADMIN: 200, Role.LA_OFFICER: 200},
    "careersplan:template_copy": {Role.LA_OFFICER: 405},
    "careersplan:template_publish": {Role.LA_OFFICER: 405},
    "careersplan:template_section": {Role.LA_OFFICER: 200},
    "careersplan:template_checklist": {Role.LA_OFFICER: 200},
    # Who read a learner's sensitive record: the organisation admin.
    "audit:learner_record_reads": {Role.ORG_ADMIN: 200},
}
