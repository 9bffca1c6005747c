-- A meeting's transcript as one row of arrays instead of one row per utterance (≈240 per 30-minute call): one insert,
-- one foreign-key check and one row to read back per meeting. Expand (ADR 0007): the new table, triggers that keep it
-- and segments equal whichever one a writer uses while both releases run, and the rows written before copied over;
-- 0003 (contract) drops segments.

-- Element i of each array is utterance i (position i - 1 in segments). Speakers and texts have no null elements, as
-- segments' columns had none; a start or end may be null. No utterances: four empty arrays.
CREATE TABLE transcripts (
    meeting_id uuid               PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    speakers   text[]             NOT NULL,
    texts      text[]             NOT NULL,
    starts     double precision[] NOT NULL,
    ends       double precision[] NOT NULL,
    CONSTRAINT transcripts_one_length CHECK (cardinality(texts) = cardinality(speakers)
        AND cardinality(starts) = cardinality(speakers) AND cardinality(ends) = cardinality(speakers)),
    CONSTRAINT transcripts_speakers_and_texts CHECK (array_position(speakers, NULL) IS NULL AND array_position(texts, NULL) IS NULL)
);

-- The rows written before. The previous release's writers wait from here to the commit (the lock the triggers would
-- take anyway, taken first; creating transcripts' foreign key already holds meetings against every writer of a
-- meeting, so meeting writes of either release wait for this copy), so a meeting's segments are either copied here or
-- seen by the triggers; copied before the triggers exist, so this does not rewrite every segment through them. For a
-- very large table the copy belongs in batches of its own (ADR 0007). Every meeting gets its row: empty arrays for
-- one without segments.
LOCK TABLE segments IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO transcripts (meeting_id, speakers, texts, starts, ends)
SELECT m.id,
       coalesce(array_agg(s.speaker ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
       coalesce(array_agg(s.text ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
       coalesce(array_agg(s.start_s ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
       coalesce(array_agg(s.end_s ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}')
  FROM meetings m LEFT JOIN segments s ON s.meeting_id = m.id
 GROUP BY m.id;

-- The previous release writes segments: a meeting's rows inserted in one statement, and on a change deleted then
-- inserted again. Each statement rewrites the transcript of every meeting it touched from that meeting's segments as
-- they now are (empty arrays when none are left); once per statement, not once per row. A meeting deleted with its
-- segments (the cascade runs inside a trigger) is left to its own cascade.
CREATE FUNCTION transcripts_from_segments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    -- Depth > 1: a write of transcripts_to_segments (or a cascade) made this one; the transcript is already right.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        touched := ARRAY(SELECT DISTINCT meeting_id FROM changed);
    ELSIF TG_OP = 'DELETE' THEN
        touched := ARRAY(SELECT DISTINCT meeting_id FROM changed_old);
    ELSE
        touched := ARRAY(SELECT meeting_id FROM changed UNION SELECT meeting_id FROM changed_old);
    END IF;
    INSERT INTO meetings.transcripts (meeting_id, speakers, texts, starts, ends)
    SELECT m.id,
           coalesce(array_agg(s.speaker ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
           coalesce(array_agg(s.text ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
           coalesce(array_agg(s.start_s ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}'),
           coalesce(array_agg(s.end_s ORDER BY s.position) FILTER (WHERE s.meeting_id IS NOT NULL), '{}')
      FROM meetings.meetings m LEFT JOIN meetings.segments s ON s.meeting_id = m.id
     WHERE m.id = ANY(touched)
     GROUP BY m.id
    ON CONFLICT (meeting_id) DO UPDATE
       SET speakers = excluded.speakers, texts = excluded.texts, starts = excluded.starts, ends = excluded.ends;
    RETURN NULL;
END $$;
CREATE TRIGGER transcripts_from_inserted_segments AFTER INSERT ON segments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION transcripts_from_segments();
CREATE TRIGGER transcripts_from_deleted_segments AFTER DELETE ON segments
    REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION transcripts_from_segments();
CREATE TRIGGER transcripts_from_updated_segments AFTER UPDATE ON segments
    REFERENCING NEW TABLE AS changed OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION transcripts_from_segments();

-- This release writes transcripts: one row per meeting, inserted or upserted (or deleted then inserted). Each row
-- replaces the meeting's segments with its arrays, positions from 0 as the previous release numbers them.
CREATE FUNCTION transcripts_to_segments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth > 1: a write of transcripts_from_segments (or a cascade) made this one; the segments are already right.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM meetings.segments WHERE meeting_id = OLD.meeting_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM meetings.segments WHERE meeting_id = NEW.meeting_id;
        INSERT INTO meetings.segments (meeting_id, position, speaker, text, start_s, end_s)
        SELECT NEW.meeting_id, u.ordinality - 1, u.speaker, u.text, u.start_s, u.end_s
          FROM unnest(NEW.speakers, NEW.texts, NEW.starts, NEW.ends) WITH ORDINALITY AS u(speaker, text, start_s, end_s, ordinality);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER transcripts_to_segments AFTER INSERT OR UPDATE OR DELETE ON transcripts
    FOR EACH ROW EXECUTE FUNCTION transcripts_to_segments();
