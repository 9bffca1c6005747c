-- Event ids are unique per team (PRODUCT.md §3: ids of different teams never meet), and among events without a team.
-- Expand: the new key. NULLS NOT DISTINCT makes the events without a team one namespace of their own (PostgreSQL 15+).
-- Its leading id column still serves lookups by id alone (the platform admin, runs joined to their event).
ALTER TABLE events ADD CONSTRAINT events_id_team_key UNIQUE NULLS NOT DISTINCT (id, team_id);

-- Migrate: nothing to move; every stored id is unique, so unique per team too.

-- Contract, in the same script because the rule cannot hold beside it: the old key made an id one team used
-- unavailable to every other team. A silo of an earlier version names that key in its accept statement and cannot
-- accept events once it is gone, so upgrade every silo across this migration together (docs/mesh.md, "Upgrading").
ALTER TABLE events DROP CONSTRAINT events_pkey;
