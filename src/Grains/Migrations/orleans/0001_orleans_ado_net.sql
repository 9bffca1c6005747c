-- Orleans (schema orleans): the tables and stored queries read by the Orleans 10.4 ADO.NET providers for PostgreSQL
-- (invariant "Npgsql"): clustering, grain storage and reminders.
--
-- How the providers use this schema:
--   * At start-up each provider loads its queries with "SELECT QueryKey, QueryText FROM OrleansQuery" (grain storage
--     narrows it with a WHERE on its four keys) and from then on runs only those texts. The providers connect with
--     "Search Path=orleans", so every name here is unqualified and resolves through the search path.
--   * Parameters arrive by name (@DeploymentId, @GrainStateVersion, ...) with the DbType of the C# value: strings as
--     text, ints as integer, longs as bigint, DateTime as timestamptz, byte[] as bytea.
--   * Results are read by column name, case-insensitively; unquoted aliases below fold to lower case, which is fine.
--   * Queries that report success return one row with one integer column: non-zero is success, zero is failure.
--
-- Optimistic concurrency:
--   * Membership: one version row per deployment (cluster id). Every membership write names the version it last read;
--     the write bumps that version and changes the silo row in one transaction, or changes nothing and reports 0.
--   * Grain state: each row carries an integer version (the grain's ETag). Writes and clears must name the current
--     version and return the next one; a stale version returns no new version, which Orleans reports as an
--     InconsistentStateException.
--   * Reminders: each row carries an integer version (the reminder's ETag); an upsert always wins and returns the new
--     version, a delete only succeeds with the current one.
--
-- Note for editors: DbUp substitutes variables written as a name between two dollar signs, so in this file a dollar
-- sign must never be followed by a letter, digit, underscore or hyphen. Function bodies and query texts use the bare
-- double-dollar quote, always followed by a line break.

-- ---------------------------------------------------------------------------------------------------------------------
-- Stored queries
-- ---------------------------------------------------------------------------------------------------------------------

CREATE TABLE orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

-- ---------------------------------------------------------------------------------------------------------------------
-- Clustering (membership)
-- ---------------------------------------------------------------------------------------------------------------------

-- One row per deployment: its version is the membership table's ETag.
CREATE TABLE orleansmembershipversiontable
(
    deploymentid text        NOT NULL,
    timestamp    timestamptz NOT NULL DEFAULT now(),
    version      integer     NOT NULL DEFAULT 0,
    CONSTRAINT orleansmembershipversiontable_pk PRIMARY KEY (deploymentid)
);

-- One row per silo incarnation (address, port and generation).
CREATE TABLE orleansmembershiptable
(
    deploymentid text        NOT NULL,
    address      text        NOT NULL,
    port         integer     NOT NULL,
    generation   integer     NOT NULL,
    siloname     text        NOT NULL,
    hostname     text        NOT NULL,
    status       integer     NOT NULL,
    proxyport    integer     NOT NULL DEFAULT 0,
    suspecttimes text        NULL,
    starttime    timestamptz NOT NULL,
    iamalivetime timestamptz NOT NULL,
    CONSTRAINT orleansmembershiptable_pk PRIMARY KEY (deploymentid, address, port, generation),
    CONSTRAINT orleansmembershiptable_version_fk FOREIGN KEY (deploymentid)
        REFERENCES orleansmembershipversiontable (deploymentid) ON DELETE CASCADE
);

-- Adds a silo row and bumps the deployment's version as one unit. Returns 1 on success; 0 when the expected version
-- is stale (or at its ceiling) or the silo row already exists, in which case nothing at all has changed.
CREATE FUNCTION membership_add_silo(
    in_deployment_id    text,
    in_address          text,
    in_port             integer,
    in_generation       integer,
    in_silo_name        text,
    in_host_name        text,
    in_status           integer,
    in_proxy_port       integer,
    in_start_time       timestamptz,
    in_i_am_alive_time  timestamptz,
    in_expected_version integer)
RETURNS integer
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    -- Claiming the version first locks the deployment's version row: concurrent membership writers of one deployment
    -- queue here, and whoever comes second no longer matches the version it read.
    UPDATE orleansmembershipversiontable
       SET version = version + 1,
           timestamp = now()
     WHERE deploymentid = in_deployment_id
       AND version = in_expected_version
       AND version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (in_deployment_id, in_address, in_port, in_generation, in_silo_name, in_host_name, in_status,
         coalesce(in_proxy_port, 0), in_start_time, in_i_am_alive_time);

    RETURN 1;
EXCEPTION
    -- The silo row exists already: leaving this block undoes the version bump above.
    WHEN unique_violation THEN
        RETURN 0;
END
$$;

-- Changes a silo's status, suspicions and liveness and bumps the deployment's version as one unit. Returns 1 on
-- success; 0 when the expected version is stale (or at its ceiling) or the silo row is missing, changing nothing.
CREATE FUNCTION membership_update_silo(
    in_deployment_id    text,
    in_address          text,
    in_port             integer,
    in_generation       integer,
    in_status           integer,
    in_suspect_times    text,
    in_i_am_alive_time  timestamptz,
    in_expected_version integer)
RETURNS integer
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE orleansmembershipversiontable
       SET version = version + 1,
           timestamp = now()
     WHERE deploymentid = in_deployment_id
       AND version = in_expected_version
       AND version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE orleansmembershiptable
       SET status = in_status,
           suspecttimes = in_suspect_times,
           -- Liveness only moves forward, whatever order the writes land in.
           iamalivetime = greatest(iamalivetime, in_i_am_alive_time)
     WHERE deploymentid = in_deployment_id
       AND address = in_address
       AND port = in_port
       AND generation = in_generation;
    IF NOT FOUND THEN
        -- No such silo: raise so that leaving this block undoes the version bump.
        RAISE EXCEPTION 'membership row missing' USING ERRCODE = 'no_data_found';
    END IF;

    RETURN 1;
EXCEPTION
    WHEN no_data_found THEN
        RETURN 0;
END
$$;

-- Creates the deployment's version row at start-up. One row, one column: 1 when created, 0 when it existed.
INSERT INTO orleansquery (querykey, querytext) VALUES ('InsertMembershipVersionKey', $$
WITH created AS (
    INSERT INTO orleansmembershipversiontable (deploymentid)
    VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer AS created FROM created;
$$);

-- Adds a silo under the expected table version (@Version). One row, one column: 1 on success, 0 on failure.
INSERT INTO orleansquery (querykey, querytext) VALUES ('InsertMembershipKey', $$
SELECT membership_add_silo(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
    @StartTime, @IAmAliveTime, @Version) AS succeeded;
$$);

-- Updates a silo under the expected table version (@Version). One row, one column: 1 on success, 0 on failure.
INSERT INTO orleansquery (querykey, querytext) VALUES ('UpdateMembershipKey', $$
SELECT membership_update_silo(
    @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version) AS succeeded;
$$);

-- The periodic heartbeat: not versioned and never checked by Orleans; liveness only moves forward.
INSERT INTO orleansquery (querykey, querytext) VALUES ('UpdateIAmAlivetimeKey', $$
UPDATE orleansmembershiptable
   SET iamalivetime = greatest(iamalivetime, @IAmAliveTime)
 WHERE deploymentid = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation;
$$);

-- One silo plus the table version. The version row always comes back (the silo columns are NULL when the silo is
-- unknown), so Orleans always learns the current version.
INSERT INTO orleansquery (querykey, querytext) VALUES ('MembershipReadRowKey', $$
SELECT v.deploymentid AS DeploymentId,
       m.address      AS Address,
       m.port         AS Port,
       m.generation   AS Generation,
       m.siloname     AS SiloName,
       m.hostname     AS HostName,
       m.status       AS Status,
       m.proxyport    AS ProxyPort,
       m.suspecttimes AS SuspectTimes,
       m.starttime    AS StartTime,
       m.iamalivetime AS IAmAliveTime,
       v.version      AS Version
  FROM orleansmembershipversiontable AS v
  LEFT JOIN orleansmembershiptable AS m
         ON m.deploymentid = v.deploymentid
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deploymentid = @DeploymentId;
$$);

-- Every silo of the deployment plus the table version (one row with NULL silo columns when there are no silos).
INSERT INTO orleansquery (querykey, querytext) VALUES ('MembershipReadAllKey', $$
SELECT v.deploymentid AS DeploymentId,
       m.address      AS Address,
       m.port         AS Port,
       m.generation   AS Generation,
       m.siloname     AS SiloName,
       m.hostname     AS HostName,
       m.status       AS Status,
       m.proxyport    AS ProxyPort,
       m.suspecttimes AS SuspectTimes,
       m.starttime    AS StartTime,
       m.iamalivetime AS IAmAliveTime,
       v.version      AS Version
  FROM orleansmembershipversiontable AS v
  LEFT JOIN orleansmembershiptable AS m
         ON m.deploymentid = v.deploymentid
 WHERE v.deploymentid = @DeploymentId;
$$);

-- Gateways for clients: silos in @Status (Active) that listen for clients.
INSERT INTO orleansquery (querykey, querytext) VALUES ('GatewaysQueryKey', $$
SELECT address    AS Address,
       proxyport  AS ProxyPort,
       generation AS Generation
  FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId
   AND status = @Status
   AND proxyport > 0;
$$);

-- Removes the whole deployment: its silos and its version row, in one statement.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteMembershipTableEntriesKey', $$
WITH removed_silos AS (
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId
)
DELETE FROM orleansmembershipversiontable
 WHERE deploymentid = @DeploymentId;
$$);

-- Prunes one Dead (6) silo row, but only while it still holds exactly the values Orleans read when it judged the row
-- defunct; any change since (a status change, a new suspicion, a heartbeat) keeps the row. Orleans prefers this
-- query to CleanupDefunctSiloEntriesKey whenever it is present.
INSERT INTO orleansquery (querykey, querytext) VALUES ('CleanupDefunctSiloEntryKey', $$
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation
   AND status = 6
   AND starttime = @StartTime
   AND iamalivetime = @IAmAliveTime
   AND coalesce(suspecttimes, '') = coalesce(@SuspectTimes, '');
$$);

-- Fallback bulk prune (used only without CleanupDefunctSiloEntryKey): Dead (6) silos with no suspicions that started
-- and last reported before the cut-off @IAmAliveTime.
INSERT INTO orleansquery (querykey, querytext) VALUES ('CleanupDefunctSiloEntriesKey', $$
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId
   AND status = 6
   AND iamalivetime < @IAmAliveTime
   AND starttime < @IAmAliveTime
   AND coalesce(suspecttimes, '') = '';
$$);

-- ---------------------------------------------------------------------------------------------------------------------
-- Grain storage
-- ---------------------------------------------------------------------------------------------------------------------

-- One row per grain state: grain id (hash, two 64-bit halves and optional string key or extension), grain type (hash
-- and name) and service. A cleared state keeps its row, with a NULL payload and the version moved on.
CREATE TABLE orleansstorage
(
    grainidhash            integer     NOT NULL,
    grainidn0              bigint      NOT NULL,
    grainidn1              bigint      NOT NULL,
    graintypehash          integer     NOT NULL,
    graintypestring        text        NOT NULL,
    grainidextensionstring text        NULL,
    serviceid              text        NOT NULL,
    payloadbinary          bytea       NULL,
    modifiedon             timestamptz NOT NULL DEFAULT now(),
    version                integer     NOT NULL
);

-- At most one row per grain state, so that two racing first writes cannot both succeed: the loser's insert does
-- nothing and it gets a version conflict. The strings are indexed through md5 to keep index entries small, and a
-- NULL extension is told apart from an empty one.
CREATE UNIQUE INDEX orleansstorage_grain_uq ON orleansstorage
(
    grainidhash,
    graintypehash,
    grainidn0,
    grainidn1,
    serviceid,
    md5(graintypestring),
    (grainidextensionstring IS NULL),
    md5(coalesce(grainidextensionstring, ''))
);

-- Reads a grain state. Orleans reads PayloadBinary (NULL: no record, default state) and Version (the ETag).
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', $$
SELECT payloadbinary AS PayloadBinary,
       version       AS Version
  FROM orleansstorage
 WHERE grainidhash = @GrainIdHash
   AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0
   AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId
   AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString;
$$);

-- Writes a grain state. With @GrainStateVersion NULL (never stored) it inserts version 1; otherwise it updates the
-- row only if it still holds @GrainStateVersion. Always one row: NewGrainStateVersion is the new version, or NULL
-- when nothing was written (stale version, or a row that already exists), which Orleans reports as a conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', $$
WITH updated AS (
    UPDATE orleansstorage
       SET payloadbinary = @PayloadBinary,
           modifiedon = now(),
           version = version + 1
     WHERE @GrainStateVersion IS NOT NULL
       AND grainidhash = @GrainIdHash
       AND graintypehash = @GrainTypeHash
       AND grainidn0 = @GrainIdN0
       AND grainidn1 = @GrainIdN1
       AND serviceid = @ServiceId
       AND graintypestring = @GrainTypeString
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO orleansstorage
        (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid,
         payloadbinary, modifiedon, version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId,
           @PayloadBinary, now(), 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM updated
        UNION ALL
        SELECT version FROM inserted) AS NewGrainStateVersion;
$$);

-- Clears a grain state, keeping its row and moving its version on, only if it still holds @GrainStateVersion.
-- Returns the new version; no row when the version is stale.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey', $$
UPDATE orleansstorage
   SET payloadbinary = NULL,
       modifiedon = now(),
       version = version + 1
 WHERE grainidhash = @GrainIdHash
   AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0
   AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId
   AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
$$);

-- Deletes a grain state (the provider's DeleteStateOnClear option) only if it still holds @GrainStateVersion.
-- Returns a value that differs from the old version, as Orleans requires; no row when the version is stale.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteStorageKey', $$
DELETE FROM orleansstorage
 WHERE grainidhash = @GrainIdHash
   AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0
   AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId
   AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion;
$$);

-- ---------------------------------------------------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------------------------------------------------

-- One row per reminder. grainhash is the grain's uniform hash as a signed integer (Orleans casts its uint), which is
-- what the range queries compare against; period is in milliseconds.
CREATE TABLE orleansreminderstable
(
    serviceid    text        NOT NULL,
    grainid      text        NOT NULL,
    remindername text        NOT NULL,
    starttime    timestamptz NOT NULL,
    period       bigint      NOT NULL,
    grainhash    integer     NOT NULL,
    version      integer     NOT NULL,
    CONSTRAINT orleansreminderstable_pk PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX orleansreminderstable_hash_ix ON orleansreminderstable (serviceid, grainhash);

-- Creates or replaces a reminder (no version check) and returns its new version as Version.
INSERT INTO orleansquery (querykey, querytext) VALUES ('UpsertReminderRowKey', $$
INSERT INTO orleansreminderstable AS r
    (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 1)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
   SET starttime = excluded.starttime,
       period = excluded.period,
       grainhash = excluded.grainhash,
       version = r.version + 1
RETURNING r.version AS Version;
$$);

-- A grain's reminders.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadReminderRowsKey', $$
SELECT grainid      AS GrainId,
       remindername AS ReminderName,
       starttime    AS StartTime,
       period       AS Period,
       version      AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId
   AND grainid = @GrainId;
$$);

-- One reminder of a grain.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadReminderRowKey', $$
SELECT grainid      AS GrainId,
       remindername AS ReminderName,
       starttime    AS StartTime,
       period       AS Period,
       version      AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId
   AND grainid = @GrainId
   AND remindername = @ReminderName;
$$);

-- Reminders in the hash range (@BeginHash, @EndHash] when it does not wrap (begin < end as signed integers).
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadRangeRows1Key', $$
SELECT grainid      AS GrainId,
       remindername AS ReminderName,
       starttime    AS StartTime,
       period       AS Period,
       version      AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId
   AND grainhash > @BeginHash
   AND grainhash <= @EndHash;
$$);

-- Reminders in a hash range that wraps around (begin >= end as signed integers): above begin or up to end.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadRangeRows2Key', $$
SELECT grainid      AS GrainId,
       remindername AS ReminderName,
       starttime    AS StartTime,
       period       AS Period,
       version      AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId
   AND (grainhash > @BeginHash OR grainhash <= @EndHash);
$$);

-- Deletes one reminder only if it still holds @Version. One row, one column: 1 when deleted, 0 otherwise.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteReminderRowKey', $$
WITH removed AS (
    DELETE FROM orleansreminderstable
     WHERE serviceid = @ServiceId
       AND grainid = @GrainId
       AND remindername = @ReminderName
       AND version = @Version
    RETURNING 1
)
SELECT count(*)::integer AS deleted FROM removed;
$$);

-- Deletes every reminder of the service.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteReminderRowsKey', $$
DELETE FROM orleansreminderstable
 WHERE serviceid = @ServiceId;
$$);
