-- Deliveries: one row per notification and recipient, so that a message that reached one
-- person and not another is retried for the other only. The outbox keeps each message's content
-- (written in the same transaction as the state change that caused it); its `state` column is
-- no longer used: a delivery's state is here.

CREATE TABLE delivery (
    -- The message's id, '/', the recipient: stable, sent as X-Railyard-Delivery and Message-ID.
    id TEXT NOT NULL PRIMARY KEY,
    message TEXT NOT NULL REFERENCES outbox (id),
    -- A contact of the catalog.
    recipient TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When it is due (for a delivery being sent: when its lease runs out).
    next_attempt_at REAL NOT NULL,
    -- What the last attempt went to (an address, a URL) and why it failed.
    route TEXT,
    last_error TEXT,
    sent_at REAL
) STRICT, WITHOUT ROWID;

CREATE INDEX delivery_due ON delivery (state, next_attempt_at);
CREATE INDEX delivery_message ON delivery (message);

-- Messages written before this migration: a delivery for each of their recipients.
INSERT INTO delivery (id, message, recipient, next_attempt_at)
SELECT outbox.id || '/' || recipient.value, outbox.id, recipient.value, outbox.next_attempt_at
FROM outbox, json_each(outbox.recipients) AS recipient
WHERE outbox.state = 'pending';
