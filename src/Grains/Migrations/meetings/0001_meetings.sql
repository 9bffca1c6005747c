-- meeting-sync's tables (docs/meetings.md). A meeting is identified within its team by (source, external_id); its id is
-- derived from them, so a re-send finds the same row. content_hash tells a changed re-send from an unchanged one;
-- trace_id, job_id and run_id are those of the last change (stored or updated), revision counts the changes.
CREATE TABLE meetings (
    id                uuid        PRIMARY KEY,
    team_id           uuid        NOT NULL,
    source            text        NOT NULL,
    external_id       text        NOT NULL,
    title             text        NOT NULL,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    organizer_email   text,
    transcript_format text        NOT NULL CHECK (transcript_format IN ('segments', 'vtt', 'text')),
    segment_count     integer     NOT NULL,
    content_hash      text        NOT NULL,
    revision          integer     NOT NULL DEFAULT 1,
    trace_id          text        NOT NULL,
    job_id            uuid,
    run_id            uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, source, external_id)
);
CREATE INDEX meetings_listing ON meetings (team_id, started_at DESC, id DESC);
CREATE INDEX meetings_trace ON meetings (team_id, trace_id);

-- Who attended, in the order sent, with who identity says they are (null when identity could not tell).
CREATE TABLE participants (
    meeting_id          uuid    NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position            integer NOT NULL,
    team_id             uuid    NOT NULL,
    name                text    NOT NULL,
    email               text,
    title               text,
    company             text,
    role                text    CHECK (role IN ('host', 'guest')),
    polyseme_person_id  uuid,
    polyseme_company_id uuid,
    PRIMARY KEY (meeting_id, position)
);
CREATE INDEX participants_person ON participants (team_id, polyseme_person_id) WHERE polyseme_person_id IS NOT NULL;
CREATE INDEX participants_company ON participants (team_id, polyseme_company_id) WHERE polyseme_company_id IS NOT NULL;

-- The transcript, normalised: one row per utterance, in order.
CREATE TABLE segments (
    meeting_id uuid             NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position   integer          NOT NULL,
    speaker    text             NOT NULL,
    text       text             NOT NULL,
    start_s    double precision,
    end_s      double precision,
    PRIMARY KEY (meeting_id, position)
);
