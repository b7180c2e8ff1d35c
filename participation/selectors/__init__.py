"""Reads worth naming, one module per concern (petitions, consultations, polls, comments); `common` holds what
they share. The shown count of a petition comes from `petitions` and only from there."""
