-- Merges a team decided: an overlay on the shared identities that only that team sees (ADR 0006). The global merge
-- (a tombstone on the entity itself) stays a platform-admin act. A team's loser points at a survivor that is not itself
-- a loser of the same team (chains are flattened when they form), so one lookup maps an id.
CREATE TABLE team_merges (
    team_id      uuid        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('company', 'person')),
    loser_id     uuid        NOT NULL,
    survivor_id  uuid        NOT NULL CHECK (survivor_id <> loser_id),
    requested_by text        NOT NULL,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, kind, loser_id)
);
CREATE INDEX team_merges_survivor ON team_merges (team_id, kind, survivor_id);
