from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names once `manyhats collectstatic` has written its manifest;
    the plain names (served from the app folders by WhiteNoise's finders) before that,
    so a fresh checkout, the tests and `manyhats runserver` work without collecting."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
