-- CI also builds: companions and C++/CUDA members against each RC. SQLite cannot change a CHECK
-- constraint in place, so the claims table is rebuilt with `build` among the kinds; the claims
-- held at the time of the upgrade are kept.

CREATE TABLE work_claim_new (
    id TEXT NOT NULL PRIMARY KEY,
    train TEXT NOT NULL REFERENCES train (version),
    kind TEXT NOT NULL CHECK (kind IN ('build', 'test', 'integration')),
    package TEXT,
    rc INTEGER NOT NULL CHECK (rc >= 1),
    runner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    lease_until REAL NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    CHECK ((kind = 'integration') = (package IS NULL))
) STRICT;

INSERT INTO work_claim_new SELECT * FROM work_claim;

DROP TABLE work_claim;

ALTER TABLE work_claim_new RENAME TO work_claim;

CREATE INDEX work_claim_train ON work_claim (train, lease_until);
