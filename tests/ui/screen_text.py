"""Read what a screen shows as plain text, for assertions on the picture in Pilot tests."""

from __future__ import annotations


def screen_text(app) -> str:
    """Return the visible characters of the app's current screen, one line per row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)
