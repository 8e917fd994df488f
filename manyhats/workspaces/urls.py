from django.urls import path

from manyhats.workspaces import views

urlpatterns = [
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("w/<slug:slug>/team/", views.team, name="team"),
    path("w/<slug:slug>/team/invite/", views.invite, name="team_invite"),
    path(
        "w/<slug:slug>/team/invitations/<int:pk>/revoke/",
        views.revoke_invitation,
        name="team_invitation_revoke",
    ),
    path("w/<slug:slug>/team/members/<int:pk>/role/", views.change_role, name="team_member_role"),
    path(
        "w/<slug:slug>/team/members/<int:pk>/remove/",
        views.remove_member,
        name="team_member_remove",
    ),
    path("w/<slug:slug>/leave/", views.leave, name="workspace_leave"),
    path("w/<slug:slug>/settings/", views.settings_general, name="workspace_settings"),
    path("w/<slug:slug>/settings/audit/", views.audit_log, name="workspace_audit"),
    path("w/<slug:slug>/settings/audit/export/", views.audit_export, name="workspace_audit_export"),
    path("w/<slug:slug>/settings/delete/", views.delete_workspace, name="workspace_delete"),
]
