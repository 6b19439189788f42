-- API tokens: who may do what through the server. Only a hash of each secret is kept; the
-- secret is shown once, when the token is created.

CREATE TABLE token (
    name TEXT NOT NULL PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('release-manager', 'maintainer', 'ci', 'read-only')),
    -- The packages a maintainer token acts on, as a JSON list (empty for other roles).
    packages TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(packages)),
    -- SHA-256 of the secret, hex.
    secret_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked_at REAL
) STRICT;
