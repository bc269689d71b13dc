"""The closed list of states a checked URL ends in, which of them are kept or fail a run, and the
hosts paced by default. No imports: the CLI builds its help texts from these."""

from __future__ import annotations

# Every URL ends in exactly one of these; the README's network section lists the same.
STATES: dict[str, str] = {
    "ok": "answered 2xx (after HEAD, or GET where HEAD is refused)",
    "redirected": "answered 2xx at the end of redirects; a first permanent one gives a suggestion",
    "broken": "answered 4xx other than 429 (404, 410, 401, ...)",
    "rate_limited": "still 429 after the retries; not a failure unless --fail-on-rate-limit",
    "server_error": "still 5xx after the retries",
    "timeout": "no complete answer within --timeout on any try, or the --deadline reached",
    "unreachable": "DNS, connection or TLS failure, reset, redirect loop or more than 10 redirects",
    "refused": "not fetched: not http(s), or a host on a non-public address (see the SSRF policy)",
    "error": "the answer could not be used: not valid HTTP, bad encoding, over the size cap, ...",
}
# Settled answers are cached; everything else is asked again next run.
CACHED_STATES = frozenset({"ok", "redirected", "broken"})
FAILURES = frozenset({"broken", "server_error", "timeout", "unreachable", "refused", "error"})


def failures(fail_on_rate_limit: bool) -> frozenset[str]:
    """The states that make a run exit 1."""
    return FAILURES | {"rate_limited"} if fail_on_rate_limit else FAILURES


# Seconds between the starts of two requests to one host (and its subdomains). Both sites answer
# bursts with 429; four requests a second keeps a full catalog run (about 250 and 160 URLs) well
# inside the default deadline.
HOST_INTERVALS = {"github.com": 0.25, "huggingface.co": 0.25}
