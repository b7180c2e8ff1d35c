"""Every write to polls, each in a transaction."""
