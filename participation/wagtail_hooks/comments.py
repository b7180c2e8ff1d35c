"""Admin screens for comments."""
