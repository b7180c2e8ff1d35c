"""Every write to consultations, each in a transaction."""
