"""URL patterns."""

urlpatterns: list = []
