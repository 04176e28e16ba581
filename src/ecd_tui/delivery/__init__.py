"""Dispatcher, transports and sandbox. Nothing in this package imports Textual."""
