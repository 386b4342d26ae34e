"""Curated exobot content, shipped as package data (``exobot_content``) so an installed copy works."""
