-- Contract of 0002 (ADR 0007): no process of the previous release runs, so nothing reads or writes segments any more.
-- This release's silos may be serving while it runs (a rolling upgrade's last restart). They lock meetings before
-- transcripts (a meeting's row, then its transcript; readers join them in that order), and dropping segments takes
-- meetings too (its foreign key's triggers live there): all three are taken first, in the writers' order, so the script
-- waits for them instead of deadlocking with them.
LOCK TABLE meetings, transcripts, segments IN ACCESS EXCLUSIVE MODE;
-- The trigger on transcripts goes first (its function writes segments); segments' own triggers go with the table.
DROP TRIGGER transcripts_to_segments ON transcripts;
DROP TABLE segments;
DROP FUNCTION transcripts_to_segments();
DROP FUNCTION transcripts_from_segments();

-- A meeting the previous release stored without segments got no transcript row (the triggers know a meeting only by its
-- segments); readers took it as empty. From here every meeting has its row.
INSERT INTO transcripts (meeting_id, speakers, texts, starts, ends)
SELECT m.id, '{}', '{}', '{}', '{}' FROM meetings m
 WHERE NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.meeting_id = m.id);
