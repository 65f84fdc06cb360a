"""Cluster 01 pages (namespace `registration`): workbench search, details and forms; employer portal; 我的社保."""

from django.urls import path

from . import views

urlpatterns = [
    # Workbench: employers
    path("employers/", views.employer_list, name="employer-list"),
    path("employers/new/", views.employer_enrol_view, name="employer-enrol"),
    path("employers/<int:employer_id>/", views.employer_detail, name="employer-detail"),
    path("employers/<int:employer_id>/change/", views.employer_change_view, name="employer-change"),
    path("employers/<int:employer_id>/restructure/", views.employer_restructure_view, name="employer-restructure"),
    path("employers/<int:employer_id>/transfer/", views.employer_transfer_view, name="employer-transfer"),
    path("employers/<int:employer_id>/deregister/", views.employer_deregister_view, name="employer-deregister"),
    path("employers/<int:employer_id>/receipt.pdf", views.employer_receipt, name="employer-receipt"),
    # Workbench: persons
    path("persons/", views.person_list, name="person-list"),
    path("persons/new/", views.person_enrol_view, name="person-enrol"),
    path("persons/bulk/", views.person_bulk_view, name="person-bulk"),
    path("persons/bulk/template.xlsx", views.person_bulk_template, name="person-bulk-template"),
    path("persons/bulk/errors.xlsx", views.person_bulk_errors, name="person-bulk-errors"),
    path("persons/<int:person_id>/", views.person_detail, name="person-detail"),
    path("persons/<int:person_id>/change/", views.person_change_view, name="person-change"),
    path("persons/<int:person_id>/terminate/", views.person_terminate_view, name="person-terminate"),
    # Employer portal (网上经办)
    path("portal/", views.portal_home, name="portal-home"),
    path("portal/employees/", views.portal_employees, name="portal-employees"),
    path("portal/enrol/", views.portal_enrol, name="portal-enrol"),
    path("portal/enrol/bulk/", views.portal_enrol_bulk, name="portal-enrol-bulk"),
    path("portal/employees/<int:person_id>/leave/", views.portal_leave, name="portal-leave"),
    # Insured person
    path("me/", views.insured_home, name="insured-home"),
    path("me/change/", views.insured_change, name="insured-change"),
]
