"""Cues and voice for one session, loaded only while one runs.

Two halves, in two processes:

- In the daemon (and the terminal walkthrough): ``client.SoundSession``, which
  imports nothing but the standard library. It turns a plan and the session's
  anchor into a schedule (``schedule``, pure) and hands it to a player process.
- The player (``python -m reminder.sound play``, one per session): synthesises
  the cues (``synth``), renders speech ahead of time (``speech``), and plays
  every sound at its instant through the sound server (``output``), taking
  pause, new schedules and stop on stdin. It exits when the session ends, so
  the daemon never maps an audio or speech library.

Nothing in this ``__init__`` is imported eagerly: importing ``reminder.sound.client``
must stay cheap.
"""
