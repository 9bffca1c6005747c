-- The identity quantum (schema identity): companies and persons keyed by deterministic UUIDs live here. The schema
-- is created by the migrator; this baseline starts the component's journal so later scripts apply in order.
COMMENT ON SCHEMA identity IS 'Alavida identity quantum: polyseme companies and persons';
