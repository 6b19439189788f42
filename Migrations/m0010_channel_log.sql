-- The channel's own audit log: changes of main that belong to no train's log, such as a
-- revocation after a release. Each says who, when, why and what, and which generation of main
-- it made. `change` is the id the channel's journal carries while the change is in flight, so
-- that recovery after a crash can tell whether the change was recorded (roll forward) or not
-- (roll back).

CREATE TABLE channel_log (
    id INTEGER PRIMARY KEY,
    change TEXT NOT NULL UNIQUE CHECK (length(change) >= 1),
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('revoke')),
    -- main's generation before and after.
    from_generation INTEGER NOT NULL,
    to_generation INTEGER NOT NULL,
    reason TEXT NOT NULL,
    -- What changed, as JSON: the files, and what the solver said.
    detail TEXT NOT NULL CHECK (json_valid(detail))
) STRICT;
