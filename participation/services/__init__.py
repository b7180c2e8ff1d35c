"""Every write of the participation sub-portal, each in a transaction; views, the API and the admin call
these and nothing else. One module per concern (petitions, consultations, polls, comments, moderation,
schedule); `common` holds the refusals and the checks they share."""
