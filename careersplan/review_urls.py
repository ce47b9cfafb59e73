from django.urls import path

from . import review_views

app_name = "careersplan_review"

urlpatterns = [
    path("", review_views.review_list, name="list"),
    path("<int:plan_id>/", review_views.review_plan, name="plan"),
    path("<int:plan_id>/pdf/", review_views.review_pdf, name="pdf"),
]
