"""The learner's own space, /me/: outside any organisation, scoped to the signed-in person.
Other apps mount their own learner pages beside it (``me/reviews/`` → namespace ``me_reviews``);
they never edit this file."""

from django.urls import path

from . import me_views as views

app_name = "me"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/<int:learner_plan_id>/", views.plan, name="plan"),
    path("plans/<int:learner_plan_id>/full/", views.plan_full, name="plan_full"),
    path("plans/<int:learner_plan_id>/sign/", views.plan_sign, name="plan_sign"),
    path("plans/<int:learner_plan_id>/moving-on/agree/", views.moving_on_agree, name="moving_on_agree"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/offer/", views.transfer_offer, name="transfer_offer"),
    path("transfers/<int:transfer_id>/", views.transfer, name="transfer"),
    path("transfers/<int:transfer_id>/withdraw/", views.transfer_withdraw, name="transfer_withdraw"),
    path("plans/<int:learner_plan_id>/targets/", views.targets, name="targets"),
    path("plans/<int:learner_plan_id>/starting-point/", views.starting_point, name="starting_point"),
    path("words/", views.glossary, name="glossary"),
    path("plans/<int:learner_plan_id>/targets/add/", views.target_add, name="target_add"),
    path("plans/<int:learner_plan_id>/journey/add/", views.journey_add, name="journey_add"),
    path("plans/<int:learner_plan_id>/concerns/add/", views.concern_add, name="concern_add"),
    path("plans/<int:learner_plan_id>/log/", views.log, name="log"),
    path("plans/<int:learner_plan_id>/log/add/", views.log_add, name="log_add"),
    path("plans/<int:learner_plan_id>/progress-file.pdf", views.plan_pdf, name="plan_pdf"),
    path("plans/<int:learner_plan_id>/progress-file/<int:render_id>/", views.plan_pdf, name="plan_pdf_status"),
    path("plans/<int:learner_plan_id>/progress-file/<int:render_id>/progress-file.pdf", views.plan_pdf,
         {"download": True}, name="plan_pdf_download"),
    path("plans/<int:learner_plan_id>/sharing/", views.sharing, name="sharing"),
    path("plans/<int:learner_plan_id>/sharing/add/", views.share_add, name="share_add"),
    path("targets/<int:target_id>/", views.target, name="target"),
    path("log/<int:log_entry_id>/file/", views.log_file, name="log_file"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("share-invitations/<int:share_invitation_id>/revoke/", views.share_invitation_revoke,
         name="share_invitation_revoke"),
    path("shared/<int:learner_plan_id>/", views.shared_plan, name="shared_plan"),
    path("shared/<int:learner_plan_id>/notes/add/", views.shared_note_add, name="shared_note_add"),
    path("shared/<int:learner_plan_id>/off-site-reviews/add/", views.shared_off_site_review_add,
         name="shared_off_site_review_add"),
    path("shared/<int:learner_plan_id>/sign/", views.shared_plan_sign, name="shared_plan_sign"),
    path("shared/<int:learner_plan_id>/progress-file.pdf", views.shared_plan_pdf, name="shared_plan_pdf"),
    path("shared/<int:learner_plan_id>/progress-file/<int:render_id>/", views.shared_plan_pdf,
         name="shared_plan_pdf_status"),
    path("shared/<int:learner_plan_id>/progress-file/<int:render_id>/progress-file.pdf", views.shared_plan_pdf,
         {"download": True}, name="shared_plan_pdf_download"),
]
