"""Screens of the app, one module each, with their modal dialogs beside them."""
