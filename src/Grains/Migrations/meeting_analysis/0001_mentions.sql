-- meeting-analysis' tables (docs/meeting-analysis.md). One analysis per meeting: the content hash it read, so an unchanged
-- meeting is not analysed (nor billed, nor announced) again. One mention per (meeting, company): how the company was found,
-- the snippets, the intents and why, the company's participants, and the engagement strength given to buying-signals.
-- Meetings are meeting-sync's (schema meetings); ids here are theirs.
CREATE TABLE analyses (
    team_id       uuid        NOT NULL,
    meeting_id    uuid        NOT NULL,
    content_hash  text        NOT NULL,
    mention_count integer     NOT NULL,
    reasoner      text        NOT NULL,
    trace_id      text        NOT NULL,
    job_id        uuid,
    run_id        uuid,
    analyzed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, meeting_id)
);

CREATE TABLE mentions (
    id                  uuid         PRIMARY KEY,
    team_id             uuid         NOT NULL,
    meeting_id          uuid         NOT NULL,
    polyseme_company_id uuid         NOT NULL,
    name                text,
    domain              text,
    sources             text[]       NOT NULL,
    intents             text[]       NOT NULL,
    intent_evidence     jsonb        NOT NULL,
    snippets            jsonb        NOT NULL,
    participants        jsonb        NOT NULL,
    engagement          numeric(4,3) NOT NULL CHECK (engagement BETWEEN 0 AND 1),
    reasoner            text         NOT NULL,
    content_hash        text         NOT NULL,
    meeting_started_at  timestamptz  NOT NULL,
    trace_id            text         NOT NULL,
    job_id              uuid,
    run_id              uuid,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (team_id, meeting_id, polyseme_company_id)
);
CREATE INDEX mentions_listing ON mentions (team_id, created_at DESC, id DESC);
CREATE INDEX mentions_company ON mentions (team_id, polyseme_company_id);
CREATE INDEX mentions_trace ON mentions (team_id, trace_id);
CREATE INDEX mentions_intents ON mentions USING gin (intents);
