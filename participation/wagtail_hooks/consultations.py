"""Admin screens for consultations."""
