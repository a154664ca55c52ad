"""Placeholder: endpoints arrive with their module."""
