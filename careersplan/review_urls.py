from django.urls import include, path

from plp_portal.pdfs.views import pdf_document_paths

from . import review_views

app_name = "careersplan_review"

urlpatterns = [
    path("", review_views.review_list, name="list"),
    path("<int:plan_id>/", include([
        path("", review_views.review_plan, name="plan"),
        *pdf_document_paths(review_views.review_pdf, name="pdf", route="pdf/", renders="pdf/",
                            filename="plan.pdf"),
    ])),
]
