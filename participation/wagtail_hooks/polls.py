"""Admin screens for polls."""
