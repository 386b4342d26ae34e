"""The moderators' review pages, served by ``exobot run`` on EXOBOT_WEB_ADDR.

Sign-in is by one-time link only (``/exosome mod web`` in chat, ``exobot web link`` in a terminal):
each link opens a session scoped to one community, and every page reads the log through that scope.
"""
