# Varnish between nginx and the portal's HTTP servers (docs/operations.md, "Production layout"). The portal's
# Cache-Control is the truth: an answer is cached only when it says `public` (for s-maxage seconds, else
# max-age) and sets no cookie; every request with the session or messages cookie, a session token or credentials passes
# untouched. Answers vary as the portal's own page cache keys them (core/pagecache.py): by URL and host, by the
# contrast cookie, and on paths without a language prefix by the language asked for. The portal purges a changed
# page's URLs with `PURGE <path>` (wagtail.contrib.frontend_cache), which hides every answer for that path
# whatever its query string, accepted only from the addresses in `purgers`. Install as /etc/varnish/portal.vcl after replacing the @NAMES@
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
        # As the portal's own page cache does (core/pagecache.py): a purge of a path hides every answer for that
        # path, whatever its query string (the content API's listings), host, language or contrast.
        ban("obj.http.X-Portal-Path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Signed in (the session cookie), an app's session token, credentials, or messages waiting (the messages
    # cookie, set by a form posted without a session): never from the cache.
    if (req.http.Authorization || req.http.X-Session-Token || req.http.Cookie ~ "(^|;)\s*(@SESSION_COOKIE@|messages)=") {
        return (pass);
    }
    # The operator's benchmark measures the portal without the cache, with a token only this file knows.
    if ("@BYPASS_TOKEN@" !~ "^@" && req.http.X-Cache-Bypass == "@BYPASS_TOKEN@") {
        return (pass);
    }
    if (req.url ~ "^/(admin|accounts|_allauth)/") {
        return (pass);
    }
    # What else changes an anonymous answer, as the portal's own page cache keys it: the contrast the visitor
    # chose, and on paths without a language prefix (the API) the language the request asks for (vcl_hash).
    unset req.http.X-Portal-Variant;
    if (req.http.Cookie ~ "(^|;)\s*portal_contrast=") {
        set req.http.X-Portal-Variant = "contrast=" + regsub(req.http.Cookie, "^(.*;)?\s*portal_contrast=([^;]*).*$", "\2");
    }
    if (req.url !~ "^/(ar|en)(/|\?|$)") {
        set req.http.X-Portal-Variant = req.http.X-Portal-Variant + ";accept-language=" + req.http.Accept-Language;
        if (req.http.Cookie ~ "(^|;)\s*portal_language=") {
            set req.http.X-Portal-Variant = req.http.X-Portal-Variant + ";language="
                + regsub(req.http.Cookie, "^(.*;)?\s*portal_language=([^;]*).*$", "\2");
        }
    }
    # Anonymous: looked up in the cache. Other cookies (language, CSRF) stay on the request; an answer that
    # depends on them says so with Vary, or is not public.
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    if (req.http.X-Portal-Variant) {
        hash_data(req.http.X-Portal-Variant);
    }
    return (lookup);
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
    # The path the object answers, for the purges (vcl_recv's ban).
    set beresp.http.X-Portal-Path = regsub(bereq.url, "\?.*$", "");
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
    unset resp.http.X-Portal-Path;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}
