-- Contract (ADR 0007) of 0005, once no process of the previous release runs: the waits and keys it wrote during the
-- upgrade that still lack their run's team take it (it claims a key before storing the run), then what only it needed
-- goes.
UPDATE waits w SET team_id = r.team_id FROM runs r WHERE r.run_id = w.run_id AND w.team_id IS NULL AND r.team_id IS NOT NULL;
UPDATE idempotency i SET team_id = r.team_id FROM runs r WHERE r.run_id = i.run_id AND i.team_id IS NULL AND r.team_id IS NOT NULL;

-- The platform-wide key: from now on a key is claimed per team (idempotency_function_key_team_key). The table keeps no
-- primary key (team_id may be null), as mesh.events since 0004.
ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;

DROP TRIGGER waits_team_of_run ON waits;
DROP FUNCTION waits_team_of_run();

-- Served by waits_event_team's leading column.
DROP INDEX waits_event_name;
