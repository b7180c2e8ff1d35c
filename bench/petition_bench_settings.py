"""Settings for bench/petition_bench.py: production, with two differences the benchmark needs.

- Signing is rate-limited per user only. The production limits also count per client address (1 a minute),
  which would refuse a load that all comes from 127.0.0.1; the per-user limits stay exactly as in production.
- One extra URL, `/bench/baseline/`: a view that inserts one row into a table of its own and does nothing else,
  served by the same server in the same run, to compare signing with."""

from portal.settings.production import *  # noqa: F403

PETITION_SIGN_RATE_LIMITS = (("user", 1, 60), ("user", 5, 300))
ROOT_URLCONF = "bench.petition_bench_urls"
