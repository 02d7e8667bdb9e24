"""reminder: an exercise reminder and timer daemon.

Release, then stretch, then strengthen — timed step by step through desktop
notifications at the times the user's config chooses.
"""

__version__ = "0.1.0"
