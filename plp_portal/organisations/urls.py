from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.org_home, name="home"),
    path("access/", views.data_access, name="access"),
    path("members/", views.member_list, name="members"),
    path("members/invite/", views.invitation_create, name="invite"),
    path("members/<int:membership_id>/", views.membership_edit, name="membership_edit"),
    path("invitations/<int:invitation_id>/withdraw/", views.invitation_revoke,
         name="invitation_revoke"),
    path("terms/", views.term_list, name="terms"),
    path("terms/<int:term_id>/edit/", views.term_edit, name="term_edit"),
    path("terms/<int:term_id>/delete/", views.term_delete, name="term_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
]
