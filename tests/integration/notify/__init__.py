"""Notification backends against a real session bus, dbusmock and dunst."""
