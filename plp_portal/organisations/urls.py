from django.urls import include, path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.org_home, name="home"),
    path("access/", views.data_access, name="access"),
    path("members/", include([
        path("", views.member_list, name="members"),
        path("invite/", views.invitation_create, name="invite"),
        path("<int:membership_id>/", views.membership_edit, name="membership_edit"),
    ])),
    path("invitations/<int:invitation_id>/withdraw/", views.invitation_revoke,
         name="invitation_revoke"),
    path("terms/", include([
        path("", views.term_list, name="terms"),
        path("<int:term_id>/edit/", views.term_edit, name="term_edit"),
        path("<int:term_id>/delete/", views.term_delete, name="term_delete"),
    ])),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
]
