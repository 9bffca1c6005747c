-- Everyone a team knows at a company, from connectors (ingest, discover requests, meetings), by identity person id.
CREATE TABLE people (
    team_id      uuid        NOT NULL,
    company_id   uuid        NOT NULL,
    person_id    uuid        NOT NULL,
    name         text        NOT NULL,
    title        text,
    email        text,
    linkedin_url text,
    seniority    text,
    department   text,
    source       text        NOT NULL CHECK (source IN ('request', 'ingested', 'meeting')),
    job_id       uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, company_id, person_id)
);
CREATE INDEX people_listing ON people (team_id, updated_at DESC, person_id DESC);
CREATE INDEX people_person ON people (team_id, person_id);

-- The people who matched a persona at a company, once per trace, with the reasons.
CREATE TABLE leads (
    id            uuid         PRIMARY KEY,
    team_id       uuid         NOT NULL,
    trace_id      text         NOT NULL,
    job_id        uuid,
    run_id        uuid,
    company_id    uuid         NOT NULL,
    person_id     uuid         NOT NULL,
    name          text         NOT NULL,
    title         text,
    seniority     text,
    department    text,
    source        text         NOT NULL,
    match_score   numeric(5,1) NOT NULL CHECK (match_score BETWEEN 0 AND 100),
    match_reasons jsonb        NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (team_id, trace_id, company_id, person_id)
);
CREATE INDEX leads_listing ON leads (team_id, created_at DESC, id DESC);
CREATE INDEX leads_company ON leads (team_id, company_id);
CREATE INDEX leads_person ON leads (team_id, person_id);
