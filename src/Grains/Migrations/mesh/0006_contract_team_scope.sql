-- Contract (ADR 0007) of 0005, once no process of the previous release runs: waits it wrote during the upgrade that
-- still lack their run's team take it, then what only it needed goes.
UPDATE waits w SET team_id = r.team_id FROM runs r WHERE r.run_id = w.run_id AND w.team_id IS NULL AND r.team_id IS NOT NULL;

DROP TRIGGER waits_team_of_run ON waits;
DROP FUNCTION waits_team_of_run();

-- Served by waits_event_team's leading column.
DROP INDEX waits_event_name;
