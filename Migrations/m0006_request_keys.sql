-- Idempotency keys, scoped to who sent them and bound to what they asked. A key is a caller's
-- own (a token's name through the API, the acting person's name on the command line), so two
-- callers never share one; and it is bound to a SHA-256 of the request (the route, its path
-- parameters, its body), so that the same key with another request is refused instead of
-- answering with the first request's result. Every mutation records its key here, in the
-- transaction that makes its change where it can.
--
-- The old table knew neither who sent a key nor what it was sent with, so its rows cannot be
-- carried over: a retry of a request made before the upgrade with the same key runs again, and
-- the train's rules refuse what was already done.

CREATE TABLE request_key (
    -- Whose key: a token's name, or the local actor.
    scope TEXT NOT NULL CHECK (length(scope) >= 1),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    -- SHA-256 of the request, hex.
    request_hash TEXT NOT NULL CHECK (length(request_hash) = 64),
    -- What the request was, for the message that refuses a reuse (`POST /trains/{version}/rc 2.6.0`).
    request TEXT NOT NULL,
    -- The answer, as JSON, returned again to a repeat of the request.
    response TEXT NOT NULL CHECK (json_valid(response)),
    created_at REAL NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;

DROP TABLE idempotency;
