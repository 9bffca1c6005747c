-- Companies and persons with their identifying keys, name indexes, merge tombstones, and the transactional outbox of
-- identity events. Ids are UUIDv5 over the canonical key (see docs/identity.md); keys are unique per entity type, so
-- concurrent resolutions of the same key from several silos converge on one row (INSERT ... ON CONFLICT).

CREATE TABLE companies (
    id              uuid PRIMARY KEY,
    canonical_key   text        NOT NULL UNIQUE,
    display_name    text,
    normalized_name text,
    legal_form      text,
    linkedin_slug   text,
    country         text,
    sources         text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    merged_into     uuid        REFERENCES companies (id),
    merged_at       timestamptz,
    merged_by       text,
    CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX companies_merged_into ON companies (merged_into) WHERE merged_into IS NOT NULL;

-- Every key that identifies a company: kind 'domain' (registrable domain), 'linkedin' (company slug), 'name'
-- (companies created from a name alone: "normalized name|country"). One owner per key; merges move keys to the survivor.
CREATE TABLE company_keys (
    kind       text        NOT NULL,
    value      text        NOT NULL,
    company_id uuid        NOT NULL REFERENCES companies (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX company_keys_company ON company_keys (company_id);

-- Normalized names (legal form removed) for name matching; scope is the ISO country or '' when unknown.
CREATE TABLE company_names (
    normalized_name text NOT NULL,
    scope           text NOT NULL,
    company_id      uuid NOT NULL REFERENCES companies (id),
    PRIMARY KEY (normalized_name, scope, company_id)
);
CREATE INDEX company_names_company ON company_names (company_id);

CREATE TABLE persons (
    id                 uuid PRIMARY KEY,
    canonical_key      text        NOT NULL UNIQUE,
    full_name          text,
    given_name         text,
    family_name        text,
    normalized_name    text,
    linkedin_slug      text,
    current_company_id uuid,
    sources            text[]      NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    merged_into        uuid        REFERENCES persons (id),
    merged_at          timestamptz,
    merged_by          text,
    CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX persons_merged_into ON persons (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX persons_current_company ON persons (current_company_id);

-- Keys that identify a person: 'linkedin' (/in/ slug), 'email' (normalized address), 'name' ("name|company id").
CREATE TABLE person_keys (
    kind       text        NOT NULL,
    value      text        NOT NULL,
    person_id  uuid        NOT NULL REFERENCES persons (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX person_keys_person ON person_keys (person_id);

-- Normalized names for name + company matching; scope is the company id as text.
CREATE TABLE person_names (
    normalized_name text NOT NULL,
    scope           text NOT NULL,
    person_id       uuid NOT NULL REFERENCES persons (id),
    PRIMARY KEY (normalized_name, scope, person_id)
);
CREATE INDEX person_names_person ON person_names (person_id);

-- Identity events written in the same transaction as the change they describe; the mesh relays unpublished rows.
CREATE TABLE outbox_events (
    id           uuid PRIMARY KEY,
    name         text        NOT NULL,
    data         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_events_unpublished ON outbox_events (created_at) WHERE published_at IS NULL;
