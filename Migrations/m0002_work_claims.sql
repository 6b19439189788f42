-- Claims of CI work: which runner holds which work item, until when. An expired claim returns
-- the item to the queue.

CREATE TABLE work_claim (
    id TEXT NOT NULL PRIMARY KEY,
    train TEXT NOT NULL REFERENCES train (version),
    kind TEXT NOT NULL CHECK (kind IN ('test', 'integration')),
    package TEXT,
    rc INTEGER NOT NULL CHECK (rc >= 1),
    runner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    lease_until REAL NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    CHECK ((kind = 'test') = (package IS NOT NULL))
) STRICT;

CREATE INDEX work_claim_train ON work_claim (train, lease_until);
