-- Which teams have resolved which entities. Identities are global (one UUID per company everywhere), but what a team
-- may read through /identity/data is what it resolved itself: this table is that visibility, written by its jobs.
CREATE TABLE team_entities (
    team_id    uuid        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('company', 'person')),
    entity_id  uuid        NOT NULL,
    job_id     uuid,
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, kind, entity_id)
);
CREATE INDEX team_entities_listing ON team_entities (team_id, kind, linked_at DESC, entity_id DESC);
CREATE INDEX team_entities_job ON team_entities (job_id) WHERE job_id IS NOT NULL;
