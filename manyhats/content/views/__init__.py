"""Web views of the content room, one module per area; content/urls.py joins their urlpatterns."""
