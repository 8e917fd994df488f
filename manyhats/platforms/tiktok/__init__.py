"""The TikTok slice: connector.py (the class), client.py (calls and tokens), oauth.py (Login Kit
and API for Business authorization), posting.py + chunks.py + publish.py (publishing),
engage.py (comments, Business API only), insights.py, webhooks.py, read.py, fixtures/, tests/."""
