"""The learner's reviews in their own space, /me/reviews/ (namespace ``me_reviews``): prepare
for a review, read it, sign it. Employers / off-site providers with a share sign here too."""

from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import me_views

app_name = "me_reviews"

urlpatterns = [
    path("", me_views.index, name="index"),
    path("key-worker/", me_views.key_worker_preference, name="key_worker_preference"),
    path("<int:review_id>/", include([
        path("", me_views.prepare, name="prepare"),
        path("sign/", me_views.sign, name="sign"),
        *pdf_document_paths(me_views.review_pdf, name="review_pdf", route="record.pdf",
                            renders="record/", filename="record.pdf"),
    ])),
]
