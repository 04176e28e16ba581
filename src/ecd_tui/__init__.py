"""ecd-tui: one-off messages from a court agency to its clients, from the terminal."""

__version__ = "0.1.0"
