-- A run's waits and a function's idempotency keys belong to the run's team (PRODUCT.md §3: a team's functions see only
-- the team's own events; before this, another team's event could resume, cancel or suppress a team's run). Expand
-- (ADR 0007): new columns, filled for the rows written before, a trigger for the waits the previous release still
-- inserts without a team, the per-team key beside the old one; 0006 (contract) removes what only the previous release
-- needs.

-- Waits: an event satisfies a wait only when their teams are not distinct (events without a team: runs without one).
ALTER TABLE waits ADD COLUMN team_id text;
UPDATE waits w SET team_id = r.team_id FROM runs r WHERE r.run_id = w.run_id AND r.team_id IS NOT NULL;

-- The accept statement finds an event's waits by name and team. IS NOT DISTINCT FROM is no index condition, so the
-- index and the statement also compare the team as coalesce(team_id, ''), an equality: a team's events never scan
-- another team's waits. (A team '' shares entries with no team; the statement's IS NOT DISTINCT FROM tells them apart.)
CREATE INDEX waits_event_team ON waits (event_name, coalesce(team_id, ''));

-- The previous release inserts waits without a team: give them their run's (a run is stored before its WaitForEvent
-- and, within the same statement, before its cancelOn waits). Runs without a team cost one lookup by key per wait.
CREATE FUNCTION waits_team_of_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.team_id := (SELECT r.team_id FROM mesh.runs r WHERE r.run_id = NEW.run_id);
    RETURN NEW;
END $$;
CREATE TRIGGER waits_team_of_run BEFORE INSERT ON waits FOR EACH ROW WHEN (NEW.team_id IS NULL) EXECUTE FUNCTION waits_team_of_run();

-- Idempotency: a key is claimed per (function, key, team); NULLS NOT DISTINCT makes runs without a team one namespace.
-- The old key on (function_id, key) stays until the contract: the previous release names it in its ON CONFLICT, and
-- while it exists a key still holds across teams, as before.
ALTER TABLE idempotency ADD COLUMN team_id text;
UPDATE idempotency i SET team_id = r.team_id FROM runs r WHERE r.run_id = i.run_id AND r.team_id IS NOT NULL;
ALTER TABLE idempotency ADD CONSTRAINT idempotency_function_key_team_key UNIQUE NULLS NOT DISTINCT (function_id, key, team_id);
