-- A maintainer token no longer names its packages: who maintains a package is the catalog's
-- list alone, which the train checks when it decides a command (a second list, kept in step by
-- hand, is gone). The token's role says what kind of request it may make at all.

ALTER TABLE token DROP COLUMN packages;
