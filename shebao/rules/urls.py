"""Public calculator pages (namespace `rules`): /calculate/ and /calculate/<rule>/ (no login)."""

from django.urls import path

from . import views

urlpatterns = [
    path("calculate/", views.calculator_index, name="calculators"),
    path("calculate/<slug:rule>/", views.calculator_page, name="calculator"),
]
