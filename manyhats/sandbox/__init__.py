"""The four platforms simulated on loopback: Meta Graph (Facebook + Instagram), LinkedIn REST
and TikTok open API v2, with fault injection, a simulated clock and a simulated audience.

Start it with `manyhats sandbox --port 8100`; in tests use the `sandbox` fixture from
`manyhats.sandbox.testing`. See docs/sandbox.md for how a platform adds its routes.
"""
