"""The outbox to the Bot API: claim, pace, send, record."""
