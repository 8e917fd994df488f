"""Connected social accounts and the connectors that talk to each platform (see docs/platforms.md)."""
