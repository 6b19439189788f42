-- CI's claims are the train's own state now, changed only by its events (work claimed, lease
-- extended or expired, work reported), so `railyard db verify` rebuilds them from the log. The
-- table that held them apart is dropped: a claim held while upgrading is gone, its runner's
-- report is refused (unknown-work), and the test it started goes back to the queue at the next
-- claim. Upgrade between runs of CI.

DROP TABLE work_claim;
