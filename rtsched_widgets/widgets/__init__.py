"""Widgets: the synced front-end models and their message protocol."""
