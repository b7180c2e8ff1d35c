"""Every write to comments, each in a transaction."""
