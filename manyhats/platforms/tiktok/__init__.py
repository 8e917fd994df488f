"""The tiktok connector slice: connector.py, oauth.py, webhooks.py, fixtures/, tests/."""
