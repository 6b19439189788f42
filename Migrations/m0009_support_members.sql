-- Support packages (pytorch-cuda, pytorch-mutex, cpuonly) are members of a train, with the
-- reason 'support'. SQLite cannot change a CHECK constraint in place, so the member table is
-- rebuilt with the new list of reasons and its rows copied over unchanged.

CREATE TABLE member_new (
    train TEXT NOT NULL REFERENCES train (version),
    name TEXT NOT NULL,
    -- The member's place in the plan (waves).
    position INTEGER NOT NULL CHECK (position >= 0),
    reason TEXT NOT NULL CHECK (reason IN ('companion', 'rebuild', 'bump', 'retest', 'support')),
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'requested', 'acknowledged', 'declined', 'built', 'testing', 'passed', 'failed', 'excluded')),
    wave INTEGER NOT NULL CHECK (wave >= 1),
    since REAL NOT NULL,
    -- The whole member as JSON.
    detail TEXT NOT NULL CHECK (json_valid(detail)),
    PRIMARY KEY (train, name)
) STRICT, WITHOUT ROWID;

INSERT INTO member_new (train, name, position, reason, state, wave, since, detail)
    SELECT train, name, position, reason, state, wave, since, detail FROM member;

DROP TABLE member;

ALTER TABLE member_new RENAME TO member;
