-- Expand (ADR 0007): the company column takes the seed's name, polyseme_company_id. A new column, filled from the old one
-- and kept equal to it by a trigger for as long as code that writes only the old one may still run (a silo of the
-- previous release during a rolling upgrade); its constraints and indexes built beside the old ones. Code of this
-- release reads and writes the new column only. 0003 (contract) drops the old column and the trigger.
ALTER TABLE qualifications ADD COLUMN polyseme_company_id uuid;

CREATE FUNCTION sync_polyseme_company_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.polyseme_company_id := coalesce(NEW.polyseme_company_id, NEW.company_id);
    NEW.company_id := coalesce(NEW.company_id, NEW.polyseme_company_id);
    RETURN NEW;
END $$;
CREATE TRIGGER qualifications_sync_polyseme_ids BEFORE INSERT OR UPDATE ON qualifications
    FOR EACH ROW EXECUTE FUNCTION sync_polyseme_company_id();

-- Migrate: the rows written before.
UPDATE qualifications SET polyseme_company_id = company_id WHERE polyseme_company_id IS NULL;
ALTER TABLE qualifications ALTER COLUMN polyseme_company_id SET NOT NULL;
CREATE UNIQUE INDEX qualifications_trace_polyseme_company ON qualifications (team_id, trace_id, polyseme_company_id);
CREATE INDEX qualifications_polyseme_company ON qualifications (team_id, polyseme_company_id, created_at DESC);
