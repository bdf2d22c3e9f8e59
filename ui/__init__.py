"""Wording, keyboards and buttons shared by the chat handlers, the background jobs and the
web: one package per product (common, studio, cosmic, sharing, admin)."""
