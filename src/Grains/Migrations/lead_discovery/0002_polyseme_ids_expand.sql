-- Expand (ADR 0007): the company and person columns take the seed's names, polyseme_company_id and
-- polyseme_person_id. New columns, filled from the old ones and kept equal to them by a trigger while code that writes
-- only the old ones may still run (a rolling upgrade); constraints and indexes built beside the old ones. Code of this
-- release reads and writes the new columns only. 0003 (contract) drops the old columns and the trigger.
ALTER TABLE people ADD COLUMN polyseme_company_id uuid, ADD COLUMN polyseme_person_id uuid;
ALTER TABLE leads ADD COLUMN polyseme_company_id uuid, ADD COLUMN polyseme_person_id uuid;

CREATE FUNCTION sync_polyseme_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.polyseme_company_id := coalesce(NEW.polyseme_company_id, NEW.company_id);
    NEW.company_id := coalesce(NEW.company_id, NEW.polyseme_company_id);
    NEW.polyseme_person_id := coalesce(NEW.polyseme_person_id, NEW.person_id);
    NEW.person_id := coalesce(NEW.person_id, NEW.polyseme_person_id);
    RETURN NEW;
END $$;
CREATE TRIGGER people_sync_polyseme_ids BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION sync_polyseme_ids();
CREATE TRIGGER leads_sync_polyseme_ids BEFORE INSERT OR UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION sync_polyseme_ids();

-- Migrate: the rows written before.
UPDATE people SET polyseme_company_id = company_id, polyseme_person_id = person_id WHERE polyseme_company_id IS NULL OR polyseme_person_id IS NULL;
UPDATE leads SET polyseme_company_id = company_id, polyseme_person_id = person_id WHERE polyseme_company_id IS NULL OR polyseme_person_id IS NULL;
ALTER TABLE people ALTER COLUMN polyseme_company_id SET NOT NULL, ALTER COLUMN polyseme_person_id SET NOT NULL;
ALTER TABLE leads ALTER COLUMN polyseme_company_id SET NOT NULL, ALTER COLUMN polyseme_person_id SET NOT NULL;
CREATE UNIQUE INDEX people_polyseme_key ON people (team_id, polyseme_company_id, polyseme_person_id);
CREATE INDEX people_polyseme_listing ON people (team_id, updated_at DESC, polyseme_person_id DESC);
CREATE INDEX people_polyseme_person ON people (team_id, polyseme_person_id);
CREATE UNIQUE INDEX leads_trace_polyseme_ids ON leads (team_id, trace_id, polyseme_company_id, polyseme_person_id);
CREATE INDEX leads_polyseme_company ON leads (team_id, polyseme_company_id);
CREATE INDEX leads_polyseme_person ON leads (team_id, polyseme_person_id);
