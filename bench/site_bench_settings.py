"""Settings for bench/site_bench.py: production, with two extra URLs served by the same servers in the same run
(bench/site_bench_urls.py): the bare JSON view every figure is a ratio to, and stock Wagtail's v2 pages
listing to compare the portal's with."""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.site_bench_urls"
