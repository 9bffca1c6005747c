-- A run's status changes (queued -> running -> final) become HOT updates: room on each page (fillfactor) and no index
-- on status, so an update writes no index entries. The reconciler's rare scan of unfinished runs needs no index.
ALTER TABLE runs SET (fillfactor = 70);
ALTER TABLE steps SET (fillfactor = 80);
DROP INDEX IF EXISTS runs_unfinished;
