"""Reusable parts of screens: the send form, recipient list, message tables and helpers."""
