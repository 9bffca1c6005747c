-- A mentioned company without the facts its ICP needs is stored as insufficient_data with what is missing, rather than
-- disqualified (docs/prospect.md). Expand only: rows written before, and by a previous release during a rolling upgrade,
-- have no status; readers take it from qualified (true: qualified, false: disqualified).
ALTER TABLE qualifications ADD COLUMN status text CHECK (status IN ('qualified', 'disqualified', 'insufficient_data'));
ALTER TABLE qualifications ADD COLUMN missing_facts jsonb;
