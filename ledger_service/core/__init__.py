"""Shared foundations of every layer: settings, named errors, metrics."""
