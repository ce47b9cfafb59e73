"""The learner's reviews in their own space, /me/reviews/ (namespace ``me_reviews``): prepare
for a review, read it, sign it. Employers / off-site providers with a share sign here too."""

from django.urls import path

from . import me_views

app_name = "me_reviews"

urlpatterns = [
    path("", me_views.index, name="index"),
    path("<int:review_id>/", me_views.prepare, name="prepare"),
    path("<int:review_id>/sign/", me_views.sign, name="sign"),
    path("<int:review_id>/record.pdf", me_views.review_pdf, name="review_pdf"),
    path("<int:review_id>/record/<int:render_id>/", me_views.review_pdf, name="review_pdf_status"),
    path("<int:review_id>/record/<int:render_id>/record.pdf", me_views.review_pdf, {"download": True},
         name="review_pdf_download"),
]
