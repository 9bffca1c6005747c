-- Contract (ADR 0007): no code writes company_id or person_id any more. The primary key, unique constraint and indexes
-- on them go with them; the new columns' unique indexes become the key and the constraint.
-- A contract script is held back while Alavida:ContractMigrations is false (a rolling upgrade in progress).
DROP TRIGGER people_sync_polyseme_ids ON people;
DROP TRIGGER leads_sync_polyseme_ids ON leads;
DROP FUNCTION sync_polyseme_ids();
ALTER TABLE people DROP COLUMN company_id, DROP COLUMN person_id;
ALTER TABLE people ADD CONSTRAINT people_pkey PRIMARY KEY USING INDEX people_polyseme_key;
ALTER TABLE leads DROP COLUMN company_id, DROP COLUMN person_id;
ALTER TABLE leads ADD CONSTRAINT leads_team_id_trace_id_polyseme_ids_key UNIQUE USING INDEX leads_trace_polyseme_ids;
