"""Records, rules and services. Nothing in this package imports Textual."""
