"""The LinkedIn slice: organization pages through the Community Management API.

connector.py (the class the registry names) assembles oauth.py, media.py,
publish.py, engage.py and insights.py on api.py; restli.py encodes URNs and
Rest.li queries, little_text.py escapes commentary. fixtures/ holds payloads
recorded from the documented examples; tests/ runs against the sandbox.
"""
