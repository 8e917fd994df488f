"""The REST API under /api/v1/ (django-ninja)."""

from ninja import NinjaAPI

api = NinjaAPI(title="manyhats API", version="1", urls_namespace="api")
