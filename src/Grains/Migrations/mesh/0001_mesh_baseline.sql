-- The mesh (schema mesh): durable events, function runs and steps live here. The schema is created by the migrator;
-- this baseline starts the component's journal so later scripts apply in order.
COMMENT ON SCHEMA mesh IS 'Alavida mesh: durable events, function runs and their steps';
