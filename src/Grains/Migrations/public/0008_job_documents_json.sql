-- A job's input and result are documents the platform stores and hands back as they are: nothing queries inside them.
-- As jsonb each was parsed into a tree on every write and printed back to text on every read (acceptance, the job
-- grain's load, each progress report and the settlement all return the row), which for a meeting-sync ingest of 25
-- transcripts (1.4 MB) cost tens of milliseconds of the database's CPU per statement. json keeps the text as sent,
-- checked for syntax on the way in, and returns it without re-printing. Readers get the same JSON values (key order
-- and spacing are now the writer's, the gateway's compact serialisation).
ALTER TABLE jobs
    ALTER COLUMN input TYPE json USING input::json,
    ALTER COLUMN result_payload TYPE json USING result_payload::json;
