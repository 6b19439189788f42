-- Trains, their append-only event log, the members' state, idempotency keys, and the outbox of
-- notifications that the notifications driver delivers.

-- A train's revision is the last revision of its events: a command that changes only members
-- writes its event and member rows and leaves this row alone.
CREATE TABLE train (
    version TEXT NOT NULL PRIMARY KEY,
    stage TEXT NOT NULL
        CHECK (stage IN ('planned', 'candidate', 'companions', 'downstream', 'staged', 'released', 'aborted')),
    rc INTEGER CHECK (rc >= 1),
    -- The train's own state as JSON (its members are in `member`); `railyard db verify`
    -- rebuilds both from the events and compares.
    state TEXT NOT NULL CHECK (json_valid(state)),
    created_at REAL NOT NULL
) STRICT;

-- Keyed by (train, revision, position), without a separate rowid: one B-tree, so that appending
-- an event writes as few pages as possible.
CREATE TABLE event (
    train TEXT NOT NULL REFERENCES train (version),
    -- The train revision the command that caused it produced.
    revision INTEGER NOT NULL CHECK (revision >= 1),
    -- Its position among the events of that command.
    position INTEGER NOT NULL CHECK (position >= 0),
    actor TEXT NOT NULL,
    at REAL NOT NULL,
    command TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (train, revision, position)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TABLE member (
    train TEXT NOT NULL REFERENCES train (version),
    name TEXT NOT NULL,
    -- The member's place in the plan (waves).
    position INTEGER NOT NULL CHECK (position >= 0),
    reason TEXT NOT NULL CHECK (reason IN ('companion', 'rebuild', 'bump', 'retest')),
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'requested', 'acknowledged', 'declined', 'built', 'testing', 'passed', 'failed', 'excluded')),
    wave INTEGER NOT NULL CHECK (wave >= 1),
    since REAL NOT NULL,
    -- The whole member as JSON.
    detail TEXT NOT NULL CHECK (json_valid(detail)),
    PRIMARY KEY (train, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency (
    key TEXT NOT NULL PRIMARY KEY,
    train TEXT NOT NULL,
    command TEXT NOT NULL,
    revision INTEGER NOT NULL,
    response TEXT NOT NULL CHECK (json_valid(response))
) STRICT;

CREATE TABLE outbox (
    id TEXT NOT NULL PRIMARY KEY,
    train TEXT NOT NULL REFERENCES train (version),
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL,
    recipients TEXT NOT NULL CHECK (json_valid(recipients)),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    created_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at REAL NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
