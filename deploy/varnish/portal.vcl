# Varnish between nginx and the portal's HTTP servers (docs/operations.md, "Production layout"). The portal's
# Cache-Control is the truth: an answer is cached only when it says `public` (for s-maxage seconds, else
# max-age) and sets no cookie; every request with the session cookie, a session token or credentials passes
# untouched. The portal purges a changed page's URLs with `PURGE <path>` (wagtail.contrib.frontend_cache),
# accepted only from the addresses in `purgers`. Install as /etc/varnish/portal.vcl after replacing the @NAMES@
# (deploy/run-prod.sh does the same on loopback).
vcl 4.1;

import directors;

# One backend per application instance (its gunicorn), checked on /healthz.
probe portal_health {
    .request = "GET /healthz HTTP/1.1" "Host: @HEALTH_HOST@" "Connection: close" "X-Forwarded-Proto: https";
    .interval = 5s;
    .timeout = 3s;
    .window = 5;
    .threshold = 2;
}
@BACKENDS@

sub vcl_init {
    new portal = directors.round_robin();
    @DIRECTOR_MEMBERS@
}

# Who may purge: this machine and the application instances.
acl purgers {
    "127.0.0.1";
    "::1";
    @PURGERS@
}

sub vcl_recv {
    set req.backend_hint = portal.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "PURGE is not allowed from this address"));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Signed in (the session cookie), an app's session token, or credentials: never from the cache.
    if (req.http.Authorization || req.http.X-Session-Token || req.http.Cookie ~ "(^|;)\s*@SESSION_COOKIE@=") {
        return (pass);
    }
    # The operator's benchmark measures the portal without the cache, with a token only this file knows.
    if ("@BYPASS_TOKEN@" !~ "^@" && req.http.X-Cache-Bypass == "@BYPASS_TOKEN@") {
        return (pass);
    }
    if (req.url ~ "^/(admin|accounts|_allauth)/") {
        return (pass);
    }
    # Anonymous: looked up in the cache. Other cookies (language, CSRF) stay on the request; an answer that
    # depends on them says so with Vary, or is not public.
    return (hash);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)"
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || beresp.http.Vary == "*") {
        # Not cacheable: remember that for a while, so that requests for it go straight to the portal.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Varnish takes s-maxage, else max-age, as the time to live. Text is stored compressed.
    if (beresp.http.Content-Type ~ "^(text/|application/json|application/javascript|image/svg)") {
        set beresp.do_gzip = true;
    }
    set beresp.grace = 10s;
    return (deliver);
}

sub vcl_deliver {
    # HIT, MISS, or PASS (not cacheable, or not looked up): for the smoke test and for an operator's curl.
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}
