from django.urls import path

from . import review_views

app_name = "careersplan_review"

urlpatterns = [
    path("", review_views.review_list, name="list"),
    path("<int:plan_id>/", review_views.review_plan, name="plan"),
    path("<int:plan_id>/pdf/", review_views.review_pdf, name="pdf"),
    path("<int:plan_id>/pdf/<int:render_id>/", review_views.review_pdf, name="pdf_status"),
    path("<int:plan_id>/pdf/<int:render_id>/plan.pdf", review_views.review_pdf, {"download": True},
         name="pdf_download"),
]
