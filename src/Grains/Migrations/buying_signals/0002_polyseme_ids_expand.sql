-- Expand (ADR 0007): the company column takes the seed's name, polyseme_company_id. A new column, filled from the old one
-- and kept equal to it by a trigger while code that writes only the old one may still run (a rolling upgrade);
-- constraints and indexes built beside the old ones. Code of this release reads and writes the new column only.
-- 0003 (contract) drops the old column and the trigger.
ALTER TABLE signals ADD COLUMN polyseme_company_id uuid;
ALTER TABLE scores ADD COLUMN polyseme_company_id uuid;

CREATE FUNCTION sync_polyseme_company_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.polyseme_company_id := coalesce(NEW.polyseme_company_id, NEW.company_id);
    NEW.company_id := coalesce(NEW.company_id, NEW.polyseme_company_id);
    RETURN NEW;
END $$;
CREATE TRIGGER signals_sync_polyseme_ids BEFORE INSERT OR UPDATE ON signals FOR EACH ROW EXECUTE FUNCTION sync_polyseme_company_id();
CREATE TRIGGER scores_sync_polyseme_ids BEFORE INSERT OR UPDATE ON scores FOR EACH ROW EXECUTE FUNCTION sync_polyseme_company_id();

-- Migrate: the rows written before.
UPDATE signals SET polyseme_company_id = company_id WHERE polyseme_company_id IS NULL;
UPDATE scores SET polyseme_company_id = company_id WHERE polyseme_company_id IS NULL;
ALTER TABLE signals ALTER COLUMN polyseme_company_id SET NOT NULL;
ALTER TABLE scores ALTER COLUMN polyseme_company_id SET NOT NULL;
CREATE INDEX signals_polyseme_company ON signals (team_id, polyseme_company_id, observed_at DESC);
CREATE UNIQUE INDEX scores_trace_polyseme_company ON scores (team_id, trace_id, polyseme_company_id);
CREATE INDEX scores_polyseme_company ON scores (team_id, polyseme_company_id, scored_at DESC);
