"""Platform-neutral heart of exobot: content, matching, answers, the question log and review.

Nothing in this package may import discord, slack or aiohttp: adapters depend on core, never the reverse.
"""
