"""The merge-tag section of the help screen: the rule and every tag."""

from __future__ import annotations

from rich.text import Text

from ecd_tui.domain.merge_tags import RULE_SUMMARY, TAGS

GROUP_TITLES = {"client": "Client", "event": "Next upcoming event", "agency": "Agency"}


def merge_tag_help() -> Text:
    """Return the help text: the writing rule, then the tags by group with their meaning."""
    text = Text()
    text.append("Merge tags in Subject and Message\n", style="bold")
    text.append(RULE_SUMMARY + "\n")
    text.append("Client and event tags never fill for a typed-in number or address; agency tags do.\n")
    for group, title in GROUP_TITLES.items():
        text.append(f"\n{title}\n", style="bold")
        for tag in TAGS:
            if tag.group == group:
                text.append(f"  [{tag.name}]".ljust(21))
                text.append(f"{tag.description}\n")
    return text
