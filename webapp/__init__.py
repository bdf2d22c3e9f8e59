"""The Mini App and its HTTP API, inside `python -m bot web` (webapp/site.py mounts them)."""
