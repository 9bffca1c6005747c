-- Contract (ADR 0007): no code writes company_id any more. Its unique constraint and index go with it.
-- A contract script is held back while Alavida:ContractMigrations is false (a rolling upgrade in progress).
DROP TRIGGER qualifications_sync_polyseme_ids ON qualifications;
DROP FUNCTION sync_polyseme_company_id();
ALTER TABLE qualifications DROP COLUMN company_id;
ALTER TABLE qualifications ADD CONSTRAINT qualifications_team_id_trace_id_polyseme_company_id_key UNIQUE USING INDEX qualifications_trace_polyseme_company;
