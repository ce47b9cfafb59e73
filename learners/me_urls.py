"""The learner's own space, /me/: outside any organisation, scoped to the signed-in person.
Other apps mount their own learner pages beside it (``me/reviews/`` → namespace ``me_reviews``);
they never edit this file."""

from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import me_views as views

app_name = "me"

urlpatterns = [
    path("", views.home, name="home"),
    path("words/", views.glossary, name="glossary"),
    path("plans/<int:learner_plan_id>/", include([
        path("", views.plan, name="plan"),
        path("full/", views.plan_full, name="plan_full"),
        path("sign/", views.plan_sign, name="plan_sign"),
        path("moving-on/agree/", views.moving_on_agree, name="moving_on_agree"),
        path("targets/", views.targets, name="targets"),
        path("targets/add/", views.target_add, name="target_add"),
        path("starting-point/", views.starting_point, name="starting_point"),
        path("journey/add/", views.journey_add, name="journey_add"),
        path("concerns/add/", views.concern_add, name="concern_add"),
        path("log/", views.log, name="log"),
        path("log/add/", views.log_add, name="log_add"),
        *pdf_document_paths(views.plan_pdf, name="plan_pdf", route="progress-file.pdf",
                            renders="progress-file/", filename="progress-file.pdf"),
        path("sharing/", views.sharing, name="sharing"),
        path("sharing/add/", views.share_add, name="share_add"),
    ])),
    path("transfers/", include([
        path("", views.transfers, name="transfers"),
        path("offer/", views.transfer_offer, name="transfer_offer"),
        path("<int:transfer_id>/", views.transfer, name="transfer"),
        path("<int:transfer_id>/withdraw/", views.transfer_withdraw, name="transfer_withdraw"),
    ])),
    path("targets/<int:target_id>/", views.target, name="target"),
    path("log/<int:log_entry_id>/file/", views.log_file, name="log_file"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("share-invitations/<int:share_invitation_id>/revoke/", views.share_invitation_revoke,
         name="share_invitation_revoke"),
    path("shared/<int:learner_plan_id>/", include([
        path("", views.shared_plan, name="shared_plan"),
        path("notes/add/", views.shared_note_add, name="shared_note_add"),
        path("off-site-reviews/add/", views.shared_off_site_review_add,
             name="shared_off_site_review_add"),
        path("sign/", views.shared_plan_sign, name="shared_plan_sign"),
        *pdf_document_paths(views.shared_plan_pdf, name="shared_plan_pdf",
                            route="progress-file.pdf", renders="progress-file/",
                            filename="progress-file.pdf"),
    ])),
]
