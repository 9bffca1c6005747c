-- Contract (ADR 0007): no code writes company_id any more. Its unique constraint and indexes go with it.
-- A contract script is held back while Alavida:ContractMigrations is false (a rolling upgrade in progress).
DROP TRIGGER signals_sync_polyseme_ids ON signals;
DROP TRIGGER scores_sync_polyseme_ids ON scores;
DROP FUNCTION sync_polyseme_company_id();
ALTER TABLE signals DROP COLUMN company_id;
ALTER TABLE scores DROP COLUMN company_id;
ALTER TABLE scores ADD CONSTRAINT scores_team_id_trace_id_polyseme_company_id_key UNIQUE USING INDEX scores_trace_polyseme_company;
